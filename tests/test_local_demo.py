"""The Local demo endpoint, called through the library as the app calls it."""

import httpx
import pytest

import playground
from playground import completion
from playground_ui.local_demo import CANNED, LOCAL_DEMO

CHAT = [{"role": "user", "content": "Tell me about Paris."}]


@pytest.fixture(scope="module")
def demo():
    return LOCAL_DEMO.start()


def text_of(stream):
    return "".join(c.choices[0].delta.get("content") or "" for c in stream)


def test_info_and_health_answer_like_tgi(demo):
    info = httpx.get(f"{demo}/models/meta-llama/Llama-2-7b-chat-hf/info").json()
    assert info["model_pipeline_tag"] == "text-generation" and info["max_total_tokens"] == 4096
    assert httpx.get(f"{demo}/models/deepset/deberta-v3-large-squad2/info").json()["model_pipeline_tag"] == "question-answering"
    assert httpx.get(f"{demo}/models/x/health").status_code == 200


@pytest.mark.parametrize("stream", [False, True])
def test_chat_model_answers_on_the_chat_route_and_says_it_is_canned(demo, stream):
    r = completion(model="meta-llama/Llama-2-7b-chat-hf", messages=CHAT, api_base=f"{demo}/models/meta-llama/Llama-2-7b-chat-hf",
                   api_key=False, stream=stream)
    text = text_of(r) if stream else r.choices[0].message.content
    assert text.startswith(CANNED) and "Tell me about Paris." in text
    assert r.route == "chat"


@pytest.mark.parametrize("stream", [False, True])
def test_base_model_shows_the_fallback_to_text_generation(demo, stream):
    r = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=f"{demo}/models/meta-llama/Llama-2-7b-hf",
                   api_key=False, stream=stream, max_tokens=5)
    text = text_of(r) if stream else r.choices[0].message.content
    assert r.route == "text-generation" and [e.status for e in r.exchanges][-2:] == [422, 200]
    assert text.strip().startswith("(Local demo:") and not text.startswith("Tell me")  # the prompt is not echoed


def test_question_answering_with_context(demo):
    r = completion(model="deepset/deberta-v3-large-squad2", messages=[{"role": "user", "content": "What is the capital of France?"}],
                   context="Lyon is large. The capital of France is Paris.", api_base=f"{demo}/models/deepset/deberta-v3-large-squad2",
                   api_key=False)
    assert r.route == "question-answering"
    assert r.choices[0].message.content.startswith("The capital of France is Paris.") and CANNED in r.choices[0].message.content


def test_bad_requests_get_protocol_errors(demo):
    missing_context = httpx.post(f"{demo}/models/deepset/x-squad2", json={"inputs": {"question": "q"}})
    assert missing_context.status_code == 400 and missing_context.json() == {"error": ["Error in `inputs.context`: field required"]}
    no_inputs = httpx.post(f"{demo}/models/gpt2", json={"messages": []})
    assert no_inputs.status_code == 422 and "missing field `inputs`" in no_inputs.text


@pytest.mark.parametrize(
    "model, route, template_warning",
    [("meta-llama/Llama-2-7b-chat-hf", "chat", False), ("meta-llama/Llama-2-7b-hf", "text-generation", True),
     ("deepset/deberta-v3-large-squad2", "question-answering", False)],
)
def test_the_endpoint_check_finds_the_local_demo_ready(demo, model, route, template_warning):
    report = playground.check_endpoint(model, api_base=LOCAL_DEMO.model_url(model), api_key=False)
    assert report.healthy and report.route == route, [f.sentence for f in report.findings]
    assert any("no chat template" in f.sentence for f in report.findings) == template_warning


def test_two_app_processes_on_one_machine_each_get_a_demo_of_their_own():
    """Replicas (`dev.py serve --replicas N`) run side by side: each demo takes a free port."""
    from playground_ui.local_demo import LocalDemoServer

    first, second = LocalDemoServer(), LocalDemoServer()
    try:
        urls = {first.start(), second.start()}
        assert len(urls) == 2
        assert all(httpx.get(f"{url}/models/x/health").status_code == 200 for url in urls)
    finally:
        first.stop()
        second.stop()


def test_a_new_local_demo_server_starts_on_first_use_once_at_its_own_url():
    from playground_ui.local_demo import LocalDemoServer

    server = LocalDemoServer()
    assert not server.serves("127.0.0.1", 0)  # nothing is served before it starts
    try:
        url = server.start()
        assert url.startswith("http://127.0.0.1:") and server.start() == url
        assert server.model_url("") == f"{url}/models/local-demo/canned-chat"
        assert server.serves("127.0.0.1", int(url.rsplit(":", 1)[1]))
        assert httpx.get(f"{url}/models/x/health").status_code == 200
    finally:
        server.stop()
    assert stops_answering(url)  # stopped: its port closes
    try:
        again = server.start()  # and a stopped demo starts afresh on its next use
        assert httpx.get(f"{again}/models/x/health").status_code == 200
    finally:
        server.stop()


def stops_answering(url: str, within: float = 5.0) -> bool:
    import time

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/models/x/health", timeout=1)
        except httpx.TransportError:
            return True
        time.sleep(0.05)
    return False


def test_a_process_that_used_the_local_demo_exits_without_stopping_it():
    """The demo's server thread must not keep the app alive after it is told to quit."""
    import subprocess
    import sys

    from playground_ui import local_demo

    # the module alone (it needs nothing of the app), so the child starts in a second, not with all of Gradio
    code = ("import importlib.util as u; s = u.spec_from_file_location('local_demo', {!r}); m = u.module_from_spec(s); "
            "s.loader.exec_module(m); print(m.LocalDemoServer().start())").format(local_demo.__file__)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("http://127.0.0.1:")


def test_a_local_demo_that_cannot_start_says_so_in_a_sentence(monkeypatch):
    import types

    import uvicorn

    from playground_ui import local_demo

    clock = iter(range(0, 1000, 3))  # each look at the clock: 3 s later
    monkeypatch.setattr(local_demo, "time", types.SimpleNamespace(monotonic=lambda: next(clock), sleep=lambda _: None))
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)  # never starts
    with pytest.raises(RuntimeError) as caught:
        local_demo.LocalDemoServer().start()
    assert str(caught.value) == "The Local demo endpoint did not start within 10 s."
