"""Minimal stand-in for the `learnware` package inside runner workers.

Only what learnware model code imports at run time is provided (`learnware.model.BaseModel`);
the market, specifications and reuse live in the TypeScript runtime.
"""
__version__ = "0.0-lw-shim"
