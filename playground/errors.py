"""The exceptions, importable as ``playground.errors`` (see ``_errors`` for the tree)."""

from ._errors import *  # noqa: F403
from ._errors import __all__  # noqa: F401
