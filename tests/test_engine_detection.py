"""How the engine behind an OpenAI-compatible endpoint is told, with the fewest requests and
whatever its routes answer: ``/v1/models`` (ids, llama.cpp's aliases, ``owned_by``), then
vLLM's ``/version`` or llama.cpp's ``/props`` when the owner does not say; a version route
that is missing, broken, refused or odd never breaks the chat, and the token goes on every
probe of a private endpoint."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import playground
from playground._flow import served_models

TOKEN = "hf_fake_private_endpoint_token"
CHAT = [{"role": "user", "content": "Hi"}]
ANSWER = {"id": "c1", "object": "chat.completion", "created": 0, "model": "served-name",
          "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
          "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def models(*entries):
    return {"object": "list", "data": list(entries)}


class Engine(ThreadingHTTPServer):
    """An OpenAI-compatible server whose routes answer what the test sets: ``routes`` maps a
    path to (status, JSON body), to "drop" (the connection closed with no answer) or to "stall"
    (a 404 two seconds late). Every
    route but /health wants the token when ``token`` is set. Keeps each request."""

    daemon_threads = True

    def __init__(self, routes, token=None):
        self.routes, self.token, self.seen, self.headers_seen = routes, token, [], []
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.server.seen.append((self.command, self.path, self.headers.get("authorization"), body))
        self.server.headers_seen.append(dict(self.headers))
        route = self.server.routes.get(self.path, (404, {"error": {"message": "Not Found", "type": "NotFoundError", "code": 404}}))
        if self.server.token and self.headers.get("authorization") != f"Bearer {self.server.token}":
            route = (401, {"error": {"message": "Unauthorized", "type": "invalid_request_error", "code": 401}})
        if route == "drop":
            self.close_connection = True
            return
        if route == "stall":  # answers, but only after two seconds
            time.sleep(2)
            route = (404, {"error": "Not Found"})
        status, payload = route
        raw = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = _answer


def engine_of(routes, token=None, model=""):
    server = Engine({"/v1/chat/completions": (200, ANSWER), **routes}, token)
    answer = playground.completion(model=model, messages=CHAT, api_base=server.url, api_key=token or False)
    assert answer.choices[0].message.content == "Hello"
    return answer, server


def test_the_model_list_gives_ids_and_aliases_once_each_and_skips_what_is_not_a_model():
    body = models("not a model", {"id": 7}, {"object": "model"},
                  {"id": "qwen-7b", "aliases": ["Qwen/Qwen2.5-7B-Instruct", "qwen-7b", 3, None, "qwen"], "owned_by": "LlamaCpp"},
                  {"id": "second", "owned_by": 5})
    assert served_models(body) == (("qwen-7b", "Qwen/Qwen2.5-7B-Instruct", "qwen", "second"), ("llamacpp",))
    assert served_models({"data": [{"id": "m", "aliases": "m2"}]}) == (("m",), ())
    for not_a_list in ([{"id": "m"}], {"data": {"id": "m"}}, {"models": []}, None, "text"):
        assert served_models(not_a_list) is None
    assert served_models({"data": [{"object": "model"}]}) is None  # a list with no model in it


@pytest.mark.parametrize(("routes", "engine", "version"), [
    ({"/version": (200, {"version": "0.9.2"})}, "vllm", "0.9.2"),
    ({"/props": (200, {"build_info": "b6400-aaa"})}, "llamacpp", "b6400-aaa"),
    ({"/props": (200, {"build_info": 6400})}, "llamacpp", "6400"),
    ({}, "openai", None),
    ({"/version": (200, {"version": 9}), "/props": (200, {"build_info": None})}, "openai", None),
    ({"/version": (500, {"version": "0.9.2"}), "/props": (503, {"build_info": "b1"})}, "openai", None),
    ({"/version": (200, ["0.9.2"]), "/props": (200, ["b1"])}, "openai", None),
    ({"/version": "drop", "/props": "drop"}, "openai", None),
])
def test_an_owner_that_names_no_engine_is_told_by_its_version_route(routes, engine, version):
    answer, server = engine_of({"/v1/models": (200, models({"id": "served-name", "owned_by": "acme"})), **routes})
    assert answer.engine == engine
    info = playground.resolve_route("", api_base=server.url)  # remembered: no second probe
    assert (info.engine, info.engine_version, info.source, info.served_model) == (engine, version, "endpoint /v1/models", "served-name")
    probes = [path for method, path, _, _ in server.seen if method == "GET"]
    assert probes[:2] == ["/info", "/v1/models"] and set(probes[2:]) <= {"/version", "/props"}
    assert server.seen[-1][3]["model"] == "served-name"  # the name the server serves, not a made-up one


def test_vllm_named_by_its_owner_asks_only_its_version_route():
    answer, server = engine_of({"/v1/models": (200, models({"id": "served-name", "owned_by": "vllm"})),
                                "/version": (200, {"version": "0.11.0"}), "/props": (200, {"build_info": "b1"})})
    assert answer.engine == "vllm"
    assert [path for method, path, _, _ in server.seen if method == "GET"] == ["/info", "/v1/models", "/version"]


def test_every_probe_of_a_private_endpoint_carries_the_token():
    answer, server = engine_of({"/v1/models": (200, models({"id": "served-name", "owned_by": "acme"})),
                                "/props": (200, {"build_info": "b7000"})}, token=TOKEN)
    assert answer.engine == "llamacpp" and playground.resolve_route("", api_base=server.url, api_key=TOKEN).engine_version == "b7000"
    assert {auth for _, _, auth, _ in server.seen} == {f"Bearer {TOKEN}"}
    assert [exchange.purpose.split(",")[0] for exchange in answer.exchanges] == [  # as the wire view lists them
        "task look-up (GET /info)", "engine look-up (GET /v1/models)", "engine version (GET /version)", "engine version (GET /props)", "chat"]


def test_every_probe_asks_a_scaled_to_zero_endpoint_to_be_waited_for():
    """The Inference Endpoints proxy holds a request with X-Scale-Up-Timeout while the endpoint
    starts; a probe without it gets a 503 at once and teaches nothing."""
    answer, server = engine_of({"/v1/models": (200, models({"id": "served-name", "owned_by": "acme"})),
                                "/props": (200, {"build_info": "b7000"})})
    assert [path for _, path, _, _ in server.seen] == ["/info", "/v1/models", "/version", "/props", "/v1/chat/completions"]
    assert [headers.get("X-Scale-Up-Timeout") for headers in server.headers_seen] == ["120"] * 5
    assert [("Content-Type" in headers, "Content-Length" in headers) for headers in server.headers_seen] == [(False, False)] * 4 + [(True, True)]  # a GET has no body


def test_a_model_named_by_an_alias_is_sent_as_named():
    answer, server = engine_of({"/v1/models": (200, models({"id": "qwen-7b", "aliases": ["qwen"], "owned_by": "llamacpp"})),
                                "/props": (200, {"build_info": "b1"})}, model="qwen")
    assert server.seen[-1][3]["model"] == "qwen" and answer.exchanges[-1].note is None
    answer, server = engine_of({"/v1/models": (200, models({"id": "qwen-7b", "aliases": ["qwen"], "owned_by": "llamacpp"})),
                                "/props": (200, {"build_info": "b1"})}, model="Qwen/Qwen2.5-7B-Instruct")
    assert server.seen[-1][3]["model"] == "qwen-7b"
    assert answer.exchanges[-1].note == ("The endpoint does not serve the model 'Qwen/Qwen2.5-7B-Instruct'; the request names "
                                         "'qwen-7b', the model it serves.")


@pytest.mark.parametrize(("limits", "held"), [({"timeout": 1}, "1"), ({"timeout": 0.9}, None), ({"wait_for_model": 1.5}, "1"),
                                              ({"wait_for_model": False}, None)])
def test_the_proxy_is_asked_to_hold_a_call_as_long_as_the_call_may_wait_from_one_second(limits, held):
    server = Engine({"/v1/models": (200, models({"id": "served-name", "owned_by": "vllm"})), "/version": (200, {"version": "0.11.0"}),
                     "/v1/chat/completions": (200, ANSWER)})
    playground.completion(model="", messages=CHAT, api_base=server.url, api_key=False, **limits)
    assert {headers.get("X-Scale-Up-Timeout") for headers in server.headers_seen} == {held}


def test_a_call_naming_no_model_is_sent_with_the_one_the_engine_serves_and_says_so():
    answer, server = engine_of({"/v1/models": (200, models({"id": "served-name", "owned_by": "vllm"})),
                                "/version": (200, {"version": "0.11.0"})})
    assert server.seen[-1][3]["model"] == "served-name"
    assert answer.exchanges[-1].note == "No model was named; the request names 'served-name', the model the endpoint serves."


def test_tgi_is_sent_the_model_name_tgi_when_none_is_given():
    server = Engine({"/info": (200, {"model_id": "org/m", "version": "3.3.4", "model_pipeline_tag": "text-generation"}),
                     "/v1/chat/completions": (200, ANSWER)})
    playground.completion(model="", messages=CHAT, api_base=server.url, task="conversational")
    assert server.seen[-1][1] == "/v1/chat/completions" and server.seen[-1][3]["model"] == "tgi"  # as TGI's own clients send


def test_a_task_the_engine_cannot_serve_names_the_engine_and_the_model():
    server = Engine({"/v1/models": (200, models({"id": "served-name", "owned_by": "sglang"}))})
    with pytest.raises(playground.BadRequestError) as caught:
        playground.completion(model="my-model", messages=CHAT, api_base=server.url, task="summarization")
    assert str(caught.value) == ("The endpoint runs SGLang, which serves chat and text generation only, not summarization: "
                                 'leave task unset, or use task="text-generation".')
    assert caught.value.model == "my-model"


def test_a_served_name_with_two_slashes_is_sent_as_given_not_read_as_a_provider():
    """``team/llama/awq`` on a dedicated endpoint is the endpoint's own name for its model (on
    the default endpoint three parts would mean ``provider/org/model``)."""
    server = Engine({"/v1/models": (200, models({"id": "team/llama/awq", "object": "model", "owned_by": "vllm"})),
                     "/v1/chat/completions": (200, ANSWER)})
    answer = playground.completion(model="team/llama/awq", messages=CHAT, api_base=server.url, api_key=False)
    assert (server.seen[-1][1], server.seen[-1][3]["model"]) == ("/v1/chat/completions", "team/llama/awq")
    assert answer.exchanges[-1].note is None
