"""The Local demo server object: a new one starts on first use, once, at its own URL."""

from __future__ import annotations

from playground_ui.local_demo import LocalDemoServer


def test_a_new_local_demo_server_starts_on_first_use_once_at_its_own_url():
    server = LocalDemoServer()
    assert not server.serves("127.0.0.1", 0)  # nothing is served before it starts
    try:
        url = server.start()
        assert url.startswith("http://127.0.0.1:") and server.start() == url
        assert server.model_url("") == f"{url}/models/local-demo/canned-chat"
        assert server.serves("127.0.0.1", int(url.rsplit(":", 1)[1]))
    finally:
        server.stop()
