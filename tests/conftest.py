"""Shared fixtures: an isolated environment for every test, and the loopback HF fake."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# Before anything imports huggingface_hub (it reads HF_HOME once): no saved login of the machine's.
os.environ["HF_HOME"] = tempfile.mkdtemp(prefix="hf-home-")
atexit.register(shutil.rmtree, os.environ["HF_HOME"], ignore_errors=True)

sys.path.insert(0, str(Path(__file__).parent))

import playground  # noqa: E402
from fakehf import FakeHF, StreamCount  # noqa: E402

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens there
TOKEN_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_API_KEY", "HF_HUB_OFFLINE", "HF_INFERENCE_ENDPOINT", "HF_ENDPOINT",
             "HF_ROUTER_URL", "HF_ENDPOINTS_API_URL",
             "HF_OIDC_RESOURCE", "PLAYGROUND_WAIT_FOR_MODEL", "PLAYGROUND_READ_TIMEOUT", "PLAYGROUND_CONNECT_TIMEOUT")


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No token, saved login or endpoint from the machine leaks into a test."""
    for name in TOKEN_ENV:
        monkeypatch.delenv(name, raising=False)
    for name in ("HF_INFERENCE_ENDPOINT", "HF_ENDPOINT", "HF_ROUTER_URL", "HF_ENDPOINTS_API_URL"):
        monkeypatch.setenv(name, NOWHERE)  # a test that forgets the fake reaches nothing real (connection refused)
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "saved-token"))  # no saved login
    monkeypatch.setattr(playground, "huggingface_key", None)
    playground.clear_caches()
    yield
    playground.clear_caches()


@pytest.fixture(scope="session")
def fake_server():
    with FakeHF() as fake:
        yield fake


@pytest.fixture
def fake(fake_server, monkeypatch):
    """The fake, reset, with the serverless API and the Hub pointed at it."""
    fake_server.requests.clear()
    fake_server.scripts.clear()
    fake_server.stream_split = None
    fake_server.keepalive = False
    fake_server.token_delay = 0.0
    fake_server.hold_streams_until = 0
    fake_server.hold_last = None
    fake_server.streams_cut = 0
    fake_server.open_streams_counter = StreamCount()
    fake_server.enforce_gating = False
    fake_server.reset_endpoints()
    monkeypatch.setenv("HF_INFERENCE_ENDPOINT", fake_server.inference_url)
    monkeypatch.setenv("HF_ENDPOINT", fake_server.url)
    monkeypatch.setenv("HF_ROUTER_URL", fake_server.router_url)
    monkeypatch.setenv("HF_ENDPOINTS_API_URL", fake_server.endpoints_api_url)
    return fake_server


APP_SERVER_TOKEN = "hf_server_canary_token_0123456789"  # the app's own HF_TOKEN: must never leave for loopback


@pytest.fixture(scope="session")
def app_url(fake_server):
    """The playground app, launched in this process, its endpoints pointed at the fake."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from playground_ui import AppSettings, build_app, launch_options

    settings = AppSettings.from_env(
        {"HF_TOKEN": APP_SERVER_TOKEN, "HF_INFERENCE_ENDPOINT": fake_server.inference_url, "HF_ENDPOINT": fake_server.url,
         "HF_ROUTER_URL": fake_server.router_url, "HF_ENDPOINTS_API_URL": fake_server.endpoints_api_url}
    )
    demo = build_app(settings)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, **launch_options(settings))
    yield url.rstrip("/")
    demo.close()


def is_browser_test(item) -> bool:
    return item.fspath.basename.startswith("test_browser")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps an event loop running on the main
    thread for the rest of the session, where asyncio.run() then refuses to start.

    For ``pytest -n 2 --dist loadgroup`` (what ``python3 dev.py test`` runs), two groups: the
    browser tests in one worker from the start, every other test in the other. The browser
    tests keep a core busy on their own (Chromium drawing the page and the app serving it), so
    splitting them across workers gains nothing; the rest fit beside them."""
    items.sort(key=is_browser_test)
    for item in items:
        item.add_marker(pytest.mark.xdist_group("browser" if is_browser_test(item) else "fast"))
