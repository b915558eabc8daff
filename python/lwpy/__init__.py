"""Python programming models of learnware-ts, one module per system they come from.

Porting code written for one of them is an import-line change:

* ``import vessl``                          → ``from lwpy import vessl``
* ``from aipod.model import AIModelBase``   → ``from lwpy.aipod import AIModelBase``
  (``from aipod.rpc.client import AIClient`` / ``from aipod.rpc.server import serve`` likewise)
* ``from modelbox.modelbox import ModelBoxClient`` → ``from lwpy.modelbox import Client``

Learnware model code keeps ``from learnware.model import BaseModel`` (or
``learnware.model.base``): the runner provides ``learnware.model`` inside its sandboxed
workers, so nothing of this package is needed for it.

Modules import ``requests`` only when they talk to a server, so the base classes load in a
runner's sandbox with numpy alone.
"""
from ._errors import LwError

__version__ = "0.1.0"
__all__ = ["LwError", "__version__"]
