#!/usr/bin/env python3
"""The project's two commands, with all their set-up:

    python3 dev.py run     # create .venv, install, start the playground on http://127.0.0.1:7860
    python3 dev.py test    # create .venv, install the test tools, run the whole test suite
    python3 dev.py bench   # install the benchmark extras (litellm), run bench/run.py, write bench/results.md

Extra arguments of ``test`` go to pytest (``python3 dev.py test -k stream``).
Installs are skipped when the requirements have not changed since the last one.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _digest(requirements: Path) -> str:
    digest = hashlib.sha256()
    pending = [requirements]
    while pending:
        path = pending.pop()
        text = path.read_text()
        digest.update(text.encode())
        for line in text.splitlines():
            if line.startswith("-r "):
                pending.append(path.parent / line[3:].strip())
    return digest.hexdigest()


def ensure_environment(requirements: str) -> None:
    """A virtual environment in .venv with ``requirements`` installed."""
    if sys.version_info < (3, 10):
        sys.exit(f"Python 3.10 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    path = ROOT / requirements
    stamp = VENV / f".installed-{path.stem}"
    wanted = _digest(path)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    print(f"Installing {requirements} (first run only; takes a minute) ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(path)], check=True)
    stamp.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "bench"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "run":
        ensure_environment("requirements.txt")
        return subprocess.call([str(PYTHON), "app.py", *rest])
    if command == "bench":
        ensure_environment("requirements-bench.txt")
        return subprocess.call([str(PYTHON), "bench/run.py", *rest])
    ensure_environment("requirements-dev.txt")
    chromium = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        print(
            f"The browser tests need Chromium at {chromium}: install it (Debian/Ubuntu: sudo apt-get install chromium) "
            "or set PLAYGROUND_CHROMIUM to its path. They fail without it; they are never skipped.",
            flush=True,
        )
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
