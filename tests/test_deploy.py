"""The promises of the Space front matter, the Dockerfile and the first run, checked
against the code (no Docker engine runs here)."""

import re
from pathlib import Path

import yaml

from apprun import AppProcess, free_port

ROOT = Path(__file__).resolve().parents[1]


def front_matter() -> tuple[dict, str]:
    text = (ROOT / "README.md").read_text()
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must start with the Space's YAML front matter"
    return yaml.safe_load(match.group(1)), match.group(1)


def gradio_pin() -> str:
    pins = re.findall(r"^gradio(?:\[oauth\])?==([\w.]+)(?:\s|$)", (ROOT / "requirements.txt").read_text(), re.M)
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
    # Visitors sign in and pay with their own account (issue 15): OAuth on, allowed to call Inference Providers.
    assert meta["hf_oauth"] is True and "inference-api" in meta["hf_oauth_scopes"]


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


def test_first_run_starts_offline_without_a_token_and_the_local_demo_answers():
    """app.py as the run command starts it: no token, no network (the serverless URL is dead)."""
    dead = free_port()
    env = {"HF_INFERENCE_ENDPOINT": f"http://127.0.0.1:{dead}/hf-inference", "HF_ENDPOINT": f"http://127.0.0.1:{dead}", "HF_ROUTER_URL": f"http://127.0.0.1:{dead}"}
    with AppProcess(env) as app:
        assert f"http://127.0.0.1:{app.port}" in app.first_line()  # the first thing it prints is where to open it
        html = app.html
        assert "Local demo" in html  # the offline choice is on the page, and selected without a token
        from gradio_client import Client

        reply, details = Client(app.url, verbose=False).predict(
            message="Hello there", endpoint="local", model="meta-llama/Llama-2-7b-chat-hf", api_name="/chat"
        )
        assert "canned" in reply and details["status"] == "done"
        reply, details = Client(app.url, verbose=False).predict(message="Hello", endpoint="default", api_name="/chat")
        assert details["status"] == "error" and "Local demo" in details["error"]  # the network is down: say what works
