"""Minimal stand-in for the `learnware` package inside runner workers.

Model code imports what the Python learnware package offers at run time, at the same
paths: `learnware.model.BaseModel` (also `learnware.model.base.BaseModel`, as the
package's own templates import it), `learnware.model.torch_model.TorchModel`, and the
specification class names. The market, searchers, checkers and reuse live in the
TypeScript runtime.
"""
__version__ = "0.0-lw-shim"
