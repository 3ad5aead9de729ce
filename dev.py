#!/usr/bin/env python3
"""The project's two commands, with all their set-up:

    python3 dev.py run     # create .venv, install, start the playground on http://127.0.0.1:7860
    python3 dev.py test    # create .venv, install the test tools, run the whole test suite
    python3 dev.py bench   # install the benchmark extras (litellm), run bench/run.py, write bench/results.md
    python3 dev.py mutate [module ...]   # mutation testing (mutmut) of the library and app, on the fast tests
    python3 dev.py serve --replicas N    # N app processes behind HAProxy with sticky sessions (deploy/replicas.py)

``mutate`` takes modules as paths or dotted names (``playground/_auth.py``, ``playground_ui.turn``);
none means all of ``playground/`` and ``playground_ui/``. Each run checks only the mutants no
run has checked yet (``--again`` checks a module's all over again). It prints each module's score and
its surviving mutants (``.venv/bin/mutmut show NAME`` shows one); docs/mutation.md keeps the
last full result.

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


# mutmut's exit codes. -24 is its CPU-time limit: a mutant that loops for ever, or one whose
# tests ran slow on a loaded machine; reported apart, not as killed (docs/mutation.md).
STATUS = {1: "killed", 3: "killed", 36: "killed", -24: "timed out", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped"}


def mutant_patterns(modules: list[str]) -> list[str]:
    """mutmut's mutant-name globs for modules given as paths or dotted names."""
    names = [m.removesuffix(".py").replace("/", ".").replace("\\", ".").strip(".") for m in modules]
    return [f"{name}.*" for name in names]


def recorded_mutants(patterns: list[str]) -> dict[str, dict[str, int | None]]:
    """The mutants of the last runs matching ``patterns`` (all if none), by module
    (``playground/_auth.py``), with mutmut's exit code for each (None: not checked yet)."""
    import fnmatch
    import json

    modules: dict[str, dict[str, int | None]] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text()).get("exit_code_by_key", {})
        codes = {k: v for k, v in codes.items() if not patterns or any(fnmatch.fnmatch(k, p) for p in patterns)}
        if codes:
            modules[str(meta.relative_to(ROOT / "mutants")).removesuffix(".meta")] = codes
    return modules


def mutants_to_run(patterns: list[str], again: bool) -> list[str] | None:
    """mutmut's arguments: none checks every mutant not checked yet; named modules pick up
    where their last run stopped (mutmut itself re-checks every mutant it is given by name,
    so only the unchecked ones are named), or start over with ``--again``. None: nothing to run."""
    if not patterns or again:
        return patterns
    recorded = recorded_mutants(patterns)
    if not recorded:  # never run: mutmut makes the mutants and checks them all
        return patterns
    unchecked = [name for codes in recorded.values() for name, code in codes.items() if code is None]
    if not unchecked:
        print("Every mutant of these modules is checked already; --again checks them all once more.", flush=True)
        return None
    return unchecked


def mutation_report(patterns: list[str]) -> str:
    """Each module's mutants by outcome, its score (killed over killed and survived; a
    mutant no test reaches counts as a survivor), and the names of the survivors."""
    rows, survivors = [], []
    for module, codes in recorded_mutants(patterns).items():
        counts: dict[str, int] = {}
        for name, code in codes.items():
            status = STATUS.get(code, "not checked" if code is None else "suspicious")
            counts[status] = counts.get(status, 0) + 1
            if status in ("survived", "no tests"):
                survivors.append(f"  {status:9} {name}")
        killed, missed = counts.get("killed", 0), counts.get("survived", 0) + counts.get("no tests", 0)
        score = 100 * killed / (killed + missed) if killed + missed else 100.0
        rows.append(f"  {module:34} {score:5.1f}%  killed {killed:4}  survived {counts.get('survived', 0):4}  no tests {counts.get('no tests', 0):4}"
                    f"  timed out {counts.get('timed out', 0):4}  not checked {counts.get('not checked', 0):4}")
    return "\n".join(["Mutation score by module:", *rows, "Survivors:" if survivors else "No survivors.", *survivors])


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "bench", "mutate", "serve"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "run":
        ensure_environment("requirements.txt")
        return subprocess.call([str(PYTHON), "app.py", *rest])
    if command == "serve":
        ensure_environment("requirements.txt")
        return subprocess.call([str(PYTHON), "deploy/replicas.py", *rest])
    if command == "bench":
        ensure_environment("requirements-bench.txt")
        return subprocess.call([str(PYTHON), "bench/run.py", *rest])
    if command == "mutate":
        ensure_environment("requirements-dev.txt")
        again = "--again" in rest
        patterns = mutant_patterns([m for m in rest if m != "--again"])
        names = mutants_to_run(patterns, again)
        # One worker more than the cores: each spends part of its time waiting on loopback servers.
        workers = ["--max-children", str((os.cpu_count() or 1) + 1)]
        code = subprocess.call([str(BIN / "mutmut"), "run", *workers, *names]) if names is not None else 0
        print(mutation_report(patterns), flush=True)
        return code
    ensure_environment("requirements-dev.txt")
    chromium = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        print(
            f"The browser tests need Chromium at {chromium}: install it (Debian/Ubuntu: sudo apt-get install chromium) "
            "or set PLAYGROUND_CHROMIUM to its path. They fail without it; they are never skipped.",
            flush=True,
        )
    return subprocess.call([str(PYTHON), "-m", "pytest", *parallel(rest), *rest])


def parallel(args: list[str]) -> list[str]:
    """pytest-xdist's options for two workers, the browser tests in one and the rest in the
    other (tests/conftest.py groups them), unless the arguments choose for themselves."""
    if any(arg.startswith(("-n", "--numprocesses", "--dist")) or arg == "no:xdist" for arg in args):
        return []
    return ["-n", "2", "--dist", "loadgroup"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
