"""The promises of the Space front matter, the Dockerfile and the first run, checked
against the code (no Docker engine runs here)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def front_matter() -> tuple[dict, str]:
    text = (ROOT / "README.md").read_text()
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must start with the Space's YAML front matter"
    return yaml.safe_load(match.group(1)), match.group(1)


def gradio_pin() -> str:
    pins = re.findall(r"^gradio==([\w.]+)\s*$", (ROOT / "requirements.txt").read_text(), re.M)
    assert len(pins) == 1, "requirements.txt pins gradio exactly once (gradio==X.Y.Z)"
    return pins[0]


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_space_front_matter_matches_the_code():
    meta, raw = front_matter()
    assert meta["sdk"] == "gradio"
    assert str(meta["sdk_version"]) == gradio_pin()
    assert (ROOT / meta["app_file"]).is_file() and meta["app_file"] == "app.py"
    assert re.search(r'^python_version: "3\.\d+"$', raw, re.M), "python_version must be quoted (YAML reads 3.10 as 3.1)"
    assert f"python:{meta['python_version']}-slim" in dockerfile()  # one Python for both deployments


def test_dockerfile_promises():
    text = dockerfile()
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    assert re.search(r"useradd .*--uid 1000 user", text) and re.search(r"^USER user$", text, re.M)
    assert "HOME=/home/user" in text
    lines = text.splitlines()
    copy_requirements = next(i for i, l in enumerate(lines) if l.startswith("COPY") and "requirements.txt" in l)
    install = next(i for i, l in enumerate(lines) if "pip install" in l and "-r requirements.txt" in l)
    copy_all = next(i for i, l in enumerate(lines) if re.match(r"COPY .*\. \.$", l))
    assert copy_requirements < install < copy_all, "requirements are installed in their own cached layer"
    assert "EXPOSE 7860" in text and "GRADIO_SERVER_PORT=7860" in text and "127.0.0.1:7860" in text
    for setting in ("GRADIO_SERVER_NAME=0.0.0.0", "GRADIO_ANALYTICS_ENABLED=False", "GRADIO_RUN_HISTORY=False"):
        assert setting in text
    assert re.search(r"^HEALTHCHECK ", text, re.M)
    assert re.search(r'^CMD \["python", "app.py"\]$', text, re.M)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env"} <= set(ignored)


def test_app_listens_where_the_deployments_expect():
    app = (ROOT / "app.py").read_text()
    assert '"GRADIO_SERVER_PORT", "7860"' in app and '"GRADIO_SERVER_NAME", "127.0.0.1"' in app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_first_run_starts_offline_without_a_token_and_the_local_demo_answers(tmp_path):
    """app.py as the run command starts it: no token, no network (the serverless URL is dead)."""
    port, dead = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "HF_HOME": str(tmp_path / "hf"),
        "GRADIO_SERVER_PORT": str(port),
        "HF_INFERENCE_ENDPOINT": f"http://127.0.0.1:{dead}/hf-inference",
        "HF_ENDPOINT": f"http://127.0.0.1:{dead}",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first_line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in first_line
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    assert page.status == 200
                    html = page.read().decode()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the app did not answer within 60 s"
                time.sleep(0.2)
        assert "Local demo" in html  # the offline choice is on the page, and selected without a token
        from gradio_client import Client

        reply, details = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            message="Hello there", endpoint="local", model="meta-llama/Llama-2-7b-chat-hf", api_name="/chat"
        )
        assert "canned" in reply and details["status"] == "done"
        reply, details = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(message="Hello", endpoint="default", api_name="/chat")
        assert details["status"] == "error" and "Local demo" in details["error"]  # the network is down: say what works
    finally:
        process.terminate()
        process.wait(timeout=10)
