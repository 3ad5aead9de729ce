"""Reviewed copies: what the product shows or sends, written once, looked at, and kept in
tests/data/ so that any change to it fails a test with a readable diff.

After a deliberate change, look at the result (a screenshot, the wire view) and write the
new copies: ``PLAYGROUND_WRITE_REVIEWED=1 python3 dev.py test tests/test_<name>.py``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"


def described(value: Any) -> str:
    """A value JSON has no word for, by its name (a function) or its repr without the address."""
    return getattr(value, "__qualname__", None) or re.sub(r" at 0x[0-9a-f]+", "", repr(value))


def as_text(value: Any) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True, default=described)


def assert_reviewed(file: str, key: str, value: Any) -> None:
    """``value`` equals the copy kept under ``key`` in tests/data/``file``."""
    path = DATA / file
    built = as_text(value)
    if os.environ.get("PLAYGROUND_WRITE_REVIEWED") == "1":
        kept = json.loads(path.read_text()) if path.exists() else {}
        kept[key] = json.loads(built)
        path.write_text(as_text(kept) + "\n")
    kept = json.loads(path.read_text())
    expected = as_text(kept[key]) if key in kept else "(nothing kept yet)"
    if built != expected:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), built.splitlines(), "reviewed", "now", lineterm="", n=2))
        pytest.fail(f"{key} differs from the reviewed copy in tests/data/{file}:\n{diff[:6000]}", pytrace=False)
