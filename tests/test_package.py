"""What importing the package costs and brings in."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, **env) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, env={"PATH": "", **env}
    ).stdout


def test_import_loads_neither_gradio_nor_http_stacks():
    out = run_python(
        "import sys, playground; print(sorted(m for m in ('gradio', 'httpx', 'huggingface_hub', 'dotenv', 'asyncio') if m in sys.modules))"
    )
    assert out.strip() == "[]"


def test_import_does_not_load_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("HF_TOKEN=hf_from_dotenv_file\n")
    code = f"import os, sys; os.chdir({str(tmp_path)!r}); sys.path.insert(0, {str(ROOT)!r}); import playground; print(os.environ.get('HF_TOKEN'))"
    assert run_python(code).strip() == "None"


def test_public_names():
    import playground

    for name in playground.__all__:
        assert hasattr(playground, name), name
    assert playground.errors.AuthenticationError is playground.AuthenticationError
    assert issubclass(playground.Timeout, playground.APIConnectionError)
    assert issubclass(playground.ContextWindowExceededError, playground.BadRequestError)
