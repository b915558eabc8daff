"""`learnware.model`, as in the Python learnware package: `BaseModel` from `.base`."""
from .base import BaseModel

__all__ = ["BaseModel"]
