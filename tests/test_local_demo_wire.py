"""The Local demo endpoint's wire, byte for byte as the payload view shows it: each route's
reply to the requests the app sends and to the malformed ones a person can make with the
code view, compared with the reviewed copy in tests/data/local_demo_wire.json.

The demo stands in for a TGI server when there is no network, so what it answers is what a
person learns TGI looks like. After a deliberate change, write the new copy:
``PLAYGROUND_WRITE_REVIEWED=1 python3 dev.py test tests/test_local_demo_wire.py``.
"""

from __future__ import annotations

import json
import time
import types
from typing import Any

import pytest
from reviewed import assert_reviewed
from starlette.testclient import TestClient

from playground_ui import local_demo

CHAT_MODEL = "meta-llama/Llama-3.1-8B-Instruct"
BASE_MODEL = "meta-llama/Llama-2-7b-hf"
QA_MODEL = "deepset/roberta-base-squad2"
PARIS = "Paris is the capital of France. It is known for the Eiffel Tower! Berlin is in Germany?"
LONG = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"

# method, path, body (a dict is sent as JSON, bytes as they are)
REQUESTS: dict[str, tuple[str, str, Any]] = {
    "info of a chat model": ("GET", f"/models/{CHAT_MODEL}/info", None),
    "info of a question-answering model": ("GET", f"/models/{QA_MODEL}/info", None),
    "info with no model named": ("GET", "/models//info", None),
    "info of a model typed with a slash after it": ("GET", f"/models/{CHAT_MODEL}//info", None),
    "health": ("GET", f"/models/{CHAT_MODEL}/health", None),
    "a GET of the model itself": ("GET", f"/models/{CHAT_MODEL}", None),
    "a body that is not JSON": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions", b"{not json"),
    "chat": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions",
             {"messages": [{"role": "system", "content": "Be brief please"}, {"role": "user", "content": "Tell me about Paris."},
                           {"role": "assistant", "content": "Paris is big."}, "not a message"]}),
    "chat cut at max_tokens": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions",
                               {"messages": [{"role": "user", "content": LONG}], "max_tokens": 3}),
    "chat streamed": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions",
                      {"messages": [{"role": "user", "content": "Hi there"}], "stream": True, "max_tokens": 4}),
    "chat that echoes only the last twelve words": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions",
                                                    {"messages": [{"role": "user", "content": LONG}]}),
    "chat with no user message": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions", {"messages": [{"role": "system", "content": "Be brief."}]}),
    "chat with a message in content parts": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions", {"messages": [{"role": "user", "content": [
        {"type": "text", "text": "Tell me"}, {"type": "image_url", "image_url": {"url": "https://example.com/paris.png"}},
        {"type": "text", "text": "about Paris."}]}]}),
    "chat with content parts that are not all text": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions", {"messages": [{"role": "user", "content": [
        {"type": "text"}, "not a part", {"type": "text", "text": "Hi"}]}]}),
    "chat with a message whose content is a number": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions",
                                                      {"messages": [{"role": "user", "content": 42}]}),
    "chat with a chat model named -chat-hf": ("POST", "/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions",
                                              {"messages": [{"role": "user", "content": "Hi"}]}),
    "chat with no messages": ("POST", f"/models/{CHAT_MODEL}/v1/chat/completions", {"prompt": "Hi"}),
    "chat with a base model": ("POST", f"/models/{BASE_MODEL}/v1/chat/completions", {"messages": [{"role": "user", "content": "Hi"}]}),
    "chat with a question-answering model": ("POST", f"/models/{QA_MODEL}/v1/chat/completions", {"messages": [{"role": "user", "content": "Hi"}]}),
    "text generation": ("POST", f"/models/{BASE_MODEL}", {"inputs": "The capital of France is", "parameters": {"seed": 7}}),
    "text generation with details, new text only, cut": (
        "POST", f"/models/{BASE_MODEL}", {"inputs": LONG, "parameters": {"details": True, "return_full_text": False, "max_new_tokens": 5}}),
    "text generation streamed with details": (
        "POST", f"/models/{BASE_MODEL}", {"inputs": "Once upon", "stream": True, "parameters": {"details": True, "max_new_tokens": 3, "seed": 1}}),
    "text generation streamed": ("POST", f"/models/{BASE_MODEL}", {"inputs": "Once upon", "stream": True, "parameters": {"max_new_tokens": 2}}),
    "text generation without inputs": ("POST", f"/models/{BASE_MODEL}", {"parameters": {}}),
    "text generation of a list": ("POST", f"/models/{BASE_MODEL}", ["Hi"]),
    "question answering": ("POST", f"/models/{QA_MODEL}", {"inputs": {"question": "What is Berlin in?", "context": PARIS}}),
    "question answering without a context": ("POST", f"/models/{QA_MODEL}", {"inputs": {"question": "Where?"}}),
    "question answering of a word asked with its question mark": (
        "POST", f"/models/{QA_MODEL}", {"inputs": {"question": "Xanten?", "context": "Paris is in France. Xanten is in Germany."}}),
    "question answering of a sentence the context says twice": (
        "POST", f"/models/{QA_MODEL}", {"inputs": {"question": "Does it rain?", "context": "It rains. Paris is big. It rains."}}),
    "info of a model whose id starts with X": ("GET", "/models/Xenova/gpt2X/info", None),
    "text generation of a prompt ending in a space, with details": (
        "POST", f"/models/{BASE_MODEL}", {"inputs": "The capital of France is ", "parameters": {"details": True}}),
}


@pytest.fixture(scope="module")
def client():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(local_demo, "TOKEN_DELAY", 0)  # the stream's pace is for people; the bytes are what matter here
        # "created": 2026-01-01, for the demo's module only (the time module is shared with every thread)
        patch.setattr(local_demo, "time", types.SimpleNamespace(**{**vars(time), "time": lambda: 1_767_225_600}))
        with TestClient(local_demo.build_asgi_app()) as test_client:
            yield test_client


def exchange(client: TestClient, method: str, path: str, body: Any) -> dict[str, Any]:
    if isinstance(body, bytes):
        reply = client.request(method, path, content=body, headers={"content-type": "application/json"})
    else:
        reply = client.request(method, path, json=body)
    headers = {name: value for name, value in reply.headers.items() if name in ("content-type", "x-prompt-tokens", "x-generated-tokens")}
    text = reply.text
    if headers.get("content-type", "").startswith("text/event-stream"):
        shown: Any = text.split("\n\n")
    elif headers.get("content-type", "").startswith("application/json"):
        shown = json.loads(text)
    else:
        shown = text
    return {"status": reply.status_code, "headers": headers, "body": shown}


@pytest.mark.parametrize("what", REQUESTS)
def test_each_route_answers_as_reviewed(client, what):
    assert_reviewed("local_demo_wire.json", what, exchange(client, *REQUESTS[what]))
