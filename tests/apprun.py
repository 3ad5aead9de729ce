"""app.py in its own process, as `python3 dev.py run` starts it, for tests that need its
stdout, its memory or a `.env` file of its own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppProcess:
    """``with AppProcess(env, dotenv=...) as app:`` starts app.py and waits for its first
    HTTP 200; ``app.output`` is everything it printed (stdout and stderr)."""

    def __init__(self, env: dict[str, str], *, dotenv: str | None = None, timeout: float = 60.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.home = Path(tempfile.mkdtemp(prefix="app-home-"))
        cwd = ROOT
        if dotenv is not None:  # app.py finds .env beside itself: run a copy in a directory of its own
            cwd = self.home / "app"
            cwd.mkdir()
            shutil.copy(ROOT / "app.py", cwd / "app.py")
            (cwd / ".env").write_text(dotenv)
        self.env = {
            "PATH": os.environ.get("PATH", ""), "HOME": str(self.home), "HF_HOME": str(self.home / "hf"),
            "PYTHONPATH": str(ROOT), "GRADIO_SERVER_PORT": str(self.port), "NO_PROXY": "127.0.0.1,localhost", **env,
        }
        self.cwd, self.timeout = cwd, timeout
        self.lines: list[str] = []

    def __enter__(self) -> AppProcess:
        self.process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=self.cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        threading.Thread(target=lambda: self.lines.extend(self.process.stdout), daemon=True).start()
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                with urllib.request.urlopen(self.url, timeout=2) as page:
                    self.html = page.read().decode()
                return self
            except OSError:
                assert self.process.poll() is None, "app.py exited:\n" + self.output
                assert time.monotonic() < deadline, "app.py did not answer in time:\n" + self.output
                time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.home, ignore_errors=True)

    def first_line(self, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while not self.lines and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.lines[0] if self.lines else ""

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise AssertionError("no VmRSS")


def chat(client, url: str, session: str | None = None, timeout: float = 60.0, **inputs) -> tuple[str, dict, str]:
    """One chat through the app's `chat` API over plain HTTP: (reply, details, every byte
    of the event stream as text)."""
    import json

    names = ["message", "history", "endpoint", "model", "api_base", "token", "context", "system_prompt",
             "max_tokens", "temperature", "top_p", "stop", "seed", "route", "provider", "bill_to"]
    defaults = {"history": None, "endpoint": "default", "model": "HuggingFaceH4/zephyr-7b-beta", "api_base": "", "token": "",
                "context": "", "system_prompt": "", "max_tokens": 32, "temperature": 0.7, "top_p": 0.95, "stop": "",
                "seed": None, "route": "auto", "provider": "auto", "bill_to": ""}
    data = [{**defaults, **inputs}[name] for name in names]
    payload = {"data": data, **({"session_hash": session} if session else {})}
    posted = client.post(f"{url}gradio_api/call/chat", json=payload, timeout=timeout)
    posted.raise_for_status()
    raw, kind, result = "", "", None
    with client.stream("GET", f"{url}gradio_api/call/chat/{posted.json()['event_id']}", timeout=timeout) as stream:
        for line in stream.iter_lines():
            raw += line + "\n"
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:") and kind in ("generating", "complete"):
                result = json.loads(line[5:])[0]
    assert result is not None, raw
    return result[0], result[1], posted.text + raw
