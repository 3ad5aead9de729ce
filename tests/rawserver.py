"""A raw HTTP/1.1 server on loopback, for the tests that need what a web framework would not
send: a reply cut or stalled mid-way, chunks of any size, a proxy's answer. It reads each
request (head lines and body, keeping the connection alive) and hands it to the test's
``answer(lines, body, wfile)``, which writes whatever bytes it wants and returns "close" to
drop the connection. Keeps every request and counts connections."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable
from typing import Any


class RawServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer: Callable[[list[str], bytes, Any], str | None]) -> None:
        self.answer = answer
        self.requests: list[tuple[list[str], bytes]] = []
        self.connections = 0
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    @property
    def heads(self) -> list[str]:
        """Each request's head as it came, lines joined by CR LF."""
        return ["\r\n".join(lines) for lines, _ in self.requests]


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.server.connections += 1
        while True:
            lines = []
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                if line == b"\r\n":
                    break
                lines.append(line.decode("latin-1").rstrip("\r\n"))
            length = next((int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")), 0)
            body = self.rfile.read(length)
            self.server.requests.append((lines, body))
            if self.server.answer(lines, body, self.wfile) == "close":
                return
