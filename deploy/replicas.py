"""Several app processes behind HAProxy, with sticky sessions: `python3 dev.py serve --replicas N`.

Gradio keeps each session's state (the chat, the queue's events) in the process that served
the page, so every request of a session must reach that process. HAProxy sends a visitor's
first request to the next replica in turn and sets a cookie naming it; the browser sends the
cookie back with every later request (the page, the queue's join and its event stream, the
uploads), and HAProxy keeps them on that replica. A replica that stops answering its health
check gets no new visitors; its visitors are sent to another one, where they start afresh.

HAProxy comes from the system (Debian/Ubuntu: `sudo apt-get install haproxy`); the same
layout with containers is deploy/compose.yaml.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COOKIE = "playground-replica"
INSTALL = "sudo apt-get install haproxy"
# A chat streams for as long as the model writes, and a page keeps its event stream open
# while it is open: the proxy must not cut quiet connections a chat is still using.
TIMEOUTS = {"connect": "5s", "client": "1h", "server": "1h", "tunnel": "1h", "http-request": "30s", "check": "5s"}


def haproxy_config(host: str, port: int, app_ports: list[int], app_host: str = "127.0.0.1") -> str:
    """The configuration: one front door on ``host:port``, the replicas behind it, one cookie
    value per replica."""
    servers = "\n".join(
        f"    server app{i} {app_host}:{app_port} cookie app{i} check inter 2s fall 2 rise 1"
        for i, app_port in enumerate(app_ports, start=1)
    )
    timeouts = "\n".join(f"    timeout {name} {value}" for name, value in TIMEOUTS.items())
    return f"""# Written by deploy/replicas.py: {len(app_ports)} app replicas behind one address.
global
    maxconn 4096

defaults
    mode http
    option forwardfor
    option redispatch
    # A chat's tokens go out as they come: without this HAProxy may hold a small write back
    # (MSG_MORE) for up to 200 ms, which every streamed reply's first token would wait for.
    option http-no-delay
{timeouts}

frontend playground
    bind {host}:{port}
    default_backend replicas

backend replicas
    balance roundrobin
    cookie {COOKIE} insert indirect nocache httponly
    option httpchk GET /
{servers}
"""


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The app at {url} exited (code {process.returncode}) before it answered: see its output above.")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"The app at {url} did not answer within {timeout:.0f} s.")


class Replicas:
    """``with Replicas(port, app_ports) as farm:`` starts the app on each of ``app_ports`` and
    HAProxy on ``port`` in front of them; ``farm.pids`` are the app processes'."""

    def __init__(self, port: int, app_ports: list[int], *, host: str = "127.0.0.1", env: dict[str, str] | None = None,
                 output=None, timeout: float = 90.0) -> None:
        self.host, self.port, self.app_ports = host, port, app_ports
        self.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"
        self.env = {**os.environ, **(env or {})}
        self.output, self.timeout = output, timeout
        self.apps: list[subprocess.Popen] = []
        self.balancer: subprocess.Popen | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix="playground-replicas-"))

    @property
    def pids(self) -> list[int]:
        return [app.pid for app in self.apps]

    def start(self) -> Replicas:
        haproxy = shutil.which("haproxy")
        if haproxy is None:
            raise RuntimeError(f"The replicas need HAProxy in front of them: install it ({INSTALL}), "
                               "or run them as containers with deploy/compose.yaml.")
        try:
            for app_port in self.app_ports:  # all at once: each takes a few seconds to start
                env = {**self.env, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(app_port)}
                self.apps.append(subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                                                  stdout=self.output, stderr=subprocess.STDOUT if self.output else None))
            for number, (app, app_port) in enumerate(zip(self.apps, self.app_ports), start=1):
                wait_until_serving(f"http://127.0.0.1:{app_port}/", app, self.timeout)
                print(f"Replica {number} of {len(self.apps)} is serving on 127.0.0.1:{app_port}.", flush=True)
            config = self.workdir / "haproxy.cfg"
            config.write_text(haproxy_config(self.host, self.port, self.app_ports))
            self.balancer = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=self.output,
                                             stderr=subprocess.STDOUT if self.output else None)
            wait_until_serving(self.url, self.balancer, 30)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for process in [p for p in (self.balancer, *self.apps) if p is not None]:
            if process.poll() is None:
                process.terminate()
        for process in [p for p in (self.balancer, *self.apps) if p is not None]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Replicas:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 dev.py serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="how many app processes (default 2)")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="the address people open (default GRADIO_SERVER_NAME, else 127.0.0.1; 0.0.0.0 for every interface)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
                        help="the port people open (default GRADIO_SERVER_PORT, else 7860); replicas take the ports after it")
    args = parser.parse_args(argv)
    if args.replicas < 1:
        parser.error("--replicas must be 1 or more")
    app_ports = [args.port + i for i in range(1, args.replicas + 1)]
    farm = Replicas(args.port, app_ports, host=args.host)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        farm.start()
    except RuntimeError as problem:
        print(problem, file=sys.stderr)
        return 1
    print(f"Open {farm.url} ({args.replicas} replicas behind HAProxy; Ctrl+C stops them all).", flush=True)
    try:
        while farm.balancer and farm.balancer.poll() is None:
            time.sleep(0.5)
        print("HAProxy exited: stopping the replicas.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        farm.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
