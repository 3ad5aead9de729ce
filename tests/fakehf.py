"""A loopback server that answers the way Hugging Face's servers do.

Built from the real exchanges in ``tests/data/hf-wire/recorded.json`` and TGI's OpenAPI
document beside it (both copied from the project's shared reference material; see
``tests/data/hf-wire/README.md``). It serves, on one port:

* the Hub model API: ``GET /api/models/{id}`` (honours ``expand``);
* the serverless Inference API: ``POST /hf-inference/models/{id}`` and
  ``.../v1/chat/completions``;
* dedicated TGI endpoints: ``/endpoints/{name}/`` with ``/info``, ``/health``, ``POST /``,
  ``/generate``, ``/generate_stream`` and ``/v1/chat/completions``;
* dedicated endpoints on OpenAI-compatible engines (vLLM, SGLang, llama.cpp): ``/health``,
  ``/v1/models``, ``/version`` or ``/props``, ``/v1/chat/completions``, ``/v1/completions``,
  and 404 on every TGI route (see ``fakeoai.py``);
* the Inference Providers router: ``POST /v1/chat/completions`` (``model:provider`` and
  policies), ``GET /v1/models``, the providers' own routes (``/together/v1/chat/completions``...).

Generation is canned and deterministic. Tests can script the next replies to a path
(``script``), replay a recorded reply verbatim (``recorded``), and read every request the
server saw (``requests``).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fakeoai
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

WIRE = Path(__file__).parent / "data" / "hf-wire"
RECORDED = {entry["name"]: entry for entry in json.loads((WIRE / "recorded.json").read_text())}
PROVIDER_RECORDED = {entry["name"]: entry for entry in json.loads((WIRE / "providers-recordings.json").read_text())}

WORDS = [" Paris", " is", " the", " capital", " of", " France", ".", " It", " has", " museums", ",", " cafes", " and", " parks"]
MAX_TOTAL_TOKENS = 4096
NO_ACCESS_TOKEN = "hf_fake_valid_but_not_granted"  # a real account's token, without access to gated models
NO_CREDITS_TOKEN = "hf_fake_credits_used_up"  # the router answers 402
NO_PROVIDERS_TOKEN = "hf_fake_read_only_token"  # lacks "Make calls to Inference Providers": the router answers 403


@dataclass
class Model:
    id: str
    pipeline_tag: str
    chat_template: bool = False
    gated: bool | str = False
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The Hub's inferenceProviderMapping (object form): provider -> status, providerId, task."""

    @property
    def tags(self) -> list[str]:
        tags = ["transformers", "safetensors", self.pipeline_tag, "en"]
        if self.chat_template:
            tags.append("conversational")
        return tags


def hf_inference(model_id: str, task: str) -> dict[str, dict[str, Any]]:
    return {"hf-inference": {"status": "live", "providerId": model_id, "task": task}}


def chat_on(*entries: tuple[str, str, str]) -> dict[str, dict[str, Any]]:
    return {name: {"status": status, "providerId": provider_id, "task": "conversational", "isModelAuthor": False}
            for name, status, provider_id in entries}


MODELS = {
    m.id: m
    for m in [
        Model("deepset/deberta-v3-large-squad2", "question-answering", providers=hf_inference("deepset/deberta-v3-large-squad2", "question-answering")),
        Model("deepset/roberta-base-squad2", "question-answering", providers=hf_inference("deepset/roberta-base-squad2", "question-answering")),
        Model("meta-llama/Llama-2-7b-hf", "text-generation", gated="manual"),
        Model("meta-llama/Llama-2-7b-chat-hf", "text-generation", chat_template=True, gated="manual",
              providers=hf_inference("meta-llama/Llama-2-7b-chat-hf", "text-generation")),
        Model("HuggingFaceH4/zephyr-7b-beta", "text-generation", chat_template=True, providers=hf_inference("HuggingFaceH4/zephyr-7b-beta", "text-generation")),
        Model("google/gemma-2b", "text-generation", providers=hf_inference("google/gemma-2b", "text-generation")),
        Model("google/flan-t5-base", "text2text-generation", providers=hf_inference("google/flan-t5-base", "text2text-generation")),
        Model("facebook/bart-large-cnn", "summarization", providers=hf_inference("facebook/bart-large-cnn", "summarization")),
        Model("Helsinki-NLP/opus-mt-en-fr", "translation", providers=hf_inference("Helsinki-NLP/opus-mt-en-fr", "translation")),
        Model("distilbert/distilbert-base-uncased-finetuned-sst-2-english", "text-classification"),
        Model("google/vit-base-patch16-224", "image-classification"),
        Model("gpt2", "text-generation", providers=hf_inference("gpt2", "text-generation")),
        # Today's chat models: served through Inference Providers only.
        Model("meta-llama/Llama-3.1-8B-Instruct", "text-generation", chat_template=True, providers=chat_on(
            ("together", "live", "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo"),
            ("novita", "live", "meta-llama/llama-3.1-8b-instruct"),
            ("cerebras", "live", "llama3.1-8b"),
            ("fireworks-ai", "error", "accounts/fireworks/models/llama-v3p1-8b-instruct"),
        )),
        Model("deepseek-ai/DeepSeek-R1", "text-generation", chat_template=True, providers=chat_on(("together", "live", "deepseek-ai/DeepSeek-R1"))),
        Model("Qwen/Qwen2.5-VL-7B-Instruct", "image-text-to-text", chat_template=True),  # no provider serves it
    ]
}


@dataclass
class Endpoint:
    """A dedicated endpoint: a TGI server for one model (tgi=False: a task container), or
    with ``engine`` "vllm", "sglang" or "llamacpp", an OpenAI-compatible server."""

    model: str
    token: str | None = None
    tgi: bool = True
    version: str = "3.2.1"
    engine: str = "tgi"
    served: str | None = None
    """The model name an OpenAI-compatible engine serves (vLLM's --served-model-name); the model id if None."""
    cold: int = 0
    """Requests answered 503 before the endpoint is up (scaled to zero)."""
    holds: bool = True
    """The proxy holds a request that carries X-Scale-Up-Timeout until the endpoint is up (as documented)."""

    @property
    def served_name(self) -> str:
        return self.served or self.model


def default_endpoints() -> dict[str, Endpoint]:
    return {
        "public-base": Endpoint("meta-llama/Llama-2-7b-hf"),
        "private-chat": Endpoint("meta-llama/Llama-2-7b-chat-hf", token="hf_fake_private_endpoint_token"),
        "zephyr-tgi1": Endpoint("HuggingFaceH4/zephyr-7b-beta", version="1.4.3"),
        "qa-container": Endpoint("deepset/deberta-v3-large-squad2", tgi=False),
        "chat-container": Endpoint("meta-llama/Llama-2-7b-chat-hf", tgi=False),
        "vllm-chat": Endpoint("meta-llama/Llama-3.1-8B-Instruct", tgi=False, engine="vllm", served="llama-3-1-8b-instruct-xyz"),
        "vllm-base": Endpoint("meta-llama/Llama-2-7b-hf", tgi=False, engine="vllm"),
        "vllm-cold": Endpoint("meta-llama/Llama-3.1-8B-Instruct", tgi=False, engine="vllm", cold=1),
        "vllm-cold-no-hold": Endpoint("meta-llama/Llama-3.1-8B-Instruct", tgi=False, engine="vllm", cold=1, holds=False),
        "sglang-chat": Endpoint("meta-llama/Llama-3.1-8B-Instruct", tgi=False, engine="sglang"),
        "llamacpp-chat": Endpoint("meta-llama/Llama-2-7b-chat-hf", tgi=False, engine="llamacpp"),
        "llamacpp-private": Endpoint("meta-llama/Llama-2-7b-chat-hf", tgi=False, engine="llamacpp", token="hf_fake_private_endpoint_token"),
    }


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Reply:
    status: int
    body: bytes | str | Any = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


def recorded(name: str) -> Reply:
    """A recorded response, verbatim."""
    response = RECORDED[name]["response"]
    body = response["body"]
    raw = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return Reply(response["status"], raw.encode(), response["headers"]["content-type"])


class FakeHF:
    """Start with ``with FakeHF() as fake:``; ``fake.url`` is its base."""

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self.scripts: dict[str, deque[Reply]] = {}
        self.endpoints: dict[str, Endpoint] = default_endpoints()
        self.valid_tokens = {"hf_fake_valid_user_token", "hf_fake_private_endpoint_token", NO_ACCESS_TOKEN, NO_CREDITS_TOKEN, NO_PROVIDERS_TOKEN}
        self.enforce_gating = False  # serverless: gated models need a token whose account was granted access
        self.stream_split: int | None = None  # send streams in pieces of this many bytes
        self.keepalive = False  # put ": keep-alive" comment lines between events
        self.token_delay = 0.0
        self.hold_streams_until = 0  # hold each stream's first event until this many are open at once (10 s at most)
        self.hold_last: threading.Event | None = None  # hold each stream's last part until this is set (20 s at most)
        self.crlf = False  # end SSE lines with CRLF
        self.multiline = False  # spread each event's JSON over two data: lines
        self.streams_cut = 0  # streams whose client went away before the last event
        self.open_streams_counter = StreamCount()  # streams being sent now, and the most at once (reset per test)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- control ---------------------------------------------------------------------

    def script(self, path: str, *replies: Reply) -> None:
        """The next requests to ``path`` get these replies, in order, whatever they ask."""
        self.scripts.setdefault(path, deque()).extend(replies)

    def endpoint_url(self, name: str) -> str:
        return f"{self.url}/endpoints/{name}"

    @property
    def inference_url(self) -> str:
        return f"{self.url}/hf-inference"

    @property
    def endpoints_api_url(self) -> str:
        return f"{self.url}/v2"

    @property
    def router_url(self) -> str:
        """The router lives at the root, as on router.huggingface.co (hf-inference beside it)."""
        return self.url

    def reset_endpoints(self) -> None:
        self.endpoints = default_endpoints()
        self.crlf = False
        self.multiline = False

    @property
    def most_open_streams(self) -> int:
        return self.open_streams_counter.most

    def seen(self, prefix: str = "") -> list[Seen]:
        return [r for r in self.requests if r.path.startswith(prefix)]

    def __enter__(self) -> FakeHF:
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False,
                                server_header=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake HF server did not start")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server and self._thread
        self._server.should_exit = True
        self._thread.join(timeout=10)

    # --- dispatch --------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self.requests.append(Seen(request.method, path, dict(request.headers), body))
        queue = self.scripts.get(path)
        if queue:
            reply = queue.popleft()
            if reply.delay:
                await asyncio.sleep(reply.delay)
            return _respond(reply)
        if path.startswith("/api/models/"):
            return self._hub(path[len("/api/models/") :], request)
        if path == "/api/whoami-v2" and request.method == "GET":
            return self._whoami(request)
        match = re.fullmatch(r"/v2/endpoint/([^/]+)", path)
        if match and request.method == "GET":
            return self._endpoint_list(match.group(1), request)
        match = re.fullmatch(r"/hf-inference/models/(.+?)(/v1/chat/completions)?", path)
        if match:
            return await self._serverless(match.group(1), bool(match.group(2)), request, body, raw)
        match = re.fullmatch(r"/endpoints/([^/]+)(/.*)?", path)
        if match and match.group(1) in self.endpoints:
            endpoint = self.endpoints[match.group(1)]
            if endpoint.engine != "tgi":
                return await self._openai_engine(endpoint, match.group(2) or "/", request, body)
            return await self._dedicated(endpoint, match.group(2) or "/", request, body, raw)
        if path == "/v1/chat/completions" and request.method == "POST":
            return await self._router_chat(request, body)
        if path == "/v1/models" and request.method == "GET":
            return JSONResponse(fakeoai.router_models(MODELS))
        match = re.fullmatch(r"/([a-z0-9-]+)(/.+)", path)
        if match and request.method == "POST" and match.group(2) == fakeoai.PROVIDER_CHAT_PATHS.get(match.group(1), fakeoai.DEFAULT_PROVIDER_CHAT_PATH):
            return await self._provider_route(match.group(1), request, body)
        return PlainTextResponse("Not Found", status_code=404)

    def _hub(self, repo_id: str, request: Request) -> Response:
        model = MODELS.get(repo_id)
        if model is None:
            return JSONResponse(
                {"error": "Repository not found"}, status_code=404, headers={"x-error-code": "RepoNotFound"}
            )
        full = {
            "_id": "65" + format(abs(hash(repo_id)) % 10**22, "022d"),
            "id": model.id,
            "modelId": model.id,
            "author": model.id.split("/")[0],
            "sha": "8cca527612d856d7d32bd94f8103728d614eb852",
            "private": False,
            "disabled": False,
            "gated": model.gated,
            "pipeline_tag": model.pipeline_tag,
            "tags": model.tags,
            "library_name": "transformers",
            "downloads": 1234,
            "likes": 56,
            "lastModified": "2024-04-17T08:40:48.000Z",
            "createdAt": "2023-07-13T16:16:13.000Z",
            "inferenceProviderMapping": model.providers,
        }
        expand = request.query_params.getlist("expand") or request.query_params.getlist("expand[]")
        if expand:
            return JSONResponse({"_id": full["_id"], "id": full["id"], **{k: full[k] for k in expand if k in full}})
        return JSONResponse(full)

    async def _serverless(self, model_id: str, chat: bool, request: Request, body: Any, raw: bytes) -> Response:
        token = _bearer(request)
        if token is not None and token not in self.valid_tokens:
            return JSONResponse({"error": "Invalid username or password."}, status_code=401)
        model = MODELS.get(model_id)
        if model is None:
            return JSONResponse({"error": f"Model {model_id} does not exist"}, status_code=404)
        refused = _gated(model_id, token) if self.enforce_gating and model.gated else None
        if refused is not None:
            return refused
        if chat:
            return await self._chat(model, body, raw, dialect="tgi3")
        return await self._task(model, body, raw, dialect="tgi2")

    async def _dedicated(self, endpoint: Endpoint, route: str, request: Request, body: Any, raw: bytes) -> Response:
        if endpoint.token is not None and _bearer(request) != endpoint.token:
            return Response(b"", status_code=401)  # TGI started with --api-key: empty body
        model = MODELS[endpoint.model]
        dialect = "tgi1" if endpoint.version.startswith("1.") else "tgi3"
        if not endpoint.tgi:
            if route == "/" and request.method == "POST":
                return await self._task(model, body, raw, dialect=dialect)
            return PlainTextResponse("Not Found", status_code=404)
        if route == "/info" and request.method == "GET":
            return JSONResponse(
                {
                    "model_id": model.id,
                    "model_sha": "01c7f73d771dfac7d292323805ebc428287df4f9",
                    "model_pipeline_tag": model.pipeline_tag,
                    "max_concurrent_requests": 128,
                    "max_best_of": 2,
                    "max_stop_sequences": 4,
                    "max_input_tokens": 4095,
                    "max_total_tokens": MAX_TOTAL_TOKENS,
                    "validation_workers": 2,
                    "max_client_batch_size": 4,
                    "router": "text-generation-router",
                    "version": endpoint.version,
                    "sha": "0ff6ff60ada291840beed63d8bf458d6f9606f7f",
                    "docker_label": f"sha-{endpoint.version}",
                }
            )
        if route == "/health" and request.method == "GET":
            return Response(b"", status_code=200)
        if request.method == "POST" and not _json_content_type(request):
            # TGI's router (axum) reads a JSON body only when it is labelled as one.
            return PlainTextResponse("Expected request with `Content-Type: application/json`", status_code=415)
        if route == "/v1/chat/completions" and request.method == "POST":
            return await self._chat(model, body, raw, dialect=dialect)
        if route in ("/", "/generate", "/generate_stream") and request.method == "POST":
            if route == "/generate_stream" and isinstance(body, dict):
                body = {**body, "stream": True}
            return await self._text(model, body, raw, dialect=dialect, compat=(route == "/"), force_object=(route == "/generate"))
        return PlainTextResponse("Not Found", status_code=404)

    # --- the protocols ---------------------------------------------------------------

    async def _task(self, model: Model, body: Any, raw: bytes, *, dialect: str) -> Response:
        """The serverless (or task-container) POST to the model URL."""
        tag = model.pipeline_tag
        if tag == "text-generation":
            return await self._text(model, body, raw, dialect=dialect, compat=True)
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if tag == "question-answering":
            if not isinstance(inputs, dict):
                return JSONResponse({"error": ["Error in `inputs`: Input should be a valid dictionary"]}, status_code=400)
            if "context" not in inputs:
                return JSONResponse({"error": ["Error in `inputs.context`: field required"]}, status_code=400)
            context, question = str(inputs["context"]), str(inputs.get("question", ""))
            answer = _qa_answer(question, context)
            start = context.find(answer)
            return JSONResponse({"score": 0.9703434109687805, "start": start, "end": start + len(answer), "answer": answer})
        if not isinstance(inputs, str):
            return JSONResponse({"error": ["Error in `inputs`: Input should be a valid string"]}, status_code=400)
        if tag == "text2text-generation":
            return JSONResponse([{"generated_text": "Bonjour le monde"}])
        if tag == "summarization":
            return JSONResponse([{"summary_text": " ".join(inputs.split()[:8])}])
        if tag == "translation":
            return JSONResponse([{"translation_text": "Bonjour, comment allez-vous ?"}])
        if tag == "text-classification":
            return JSONResponse([[{"label": "POSITIVE", "score": 0.9998695850372314}, {"label": "NEGATIVE", "score": 0.00013043530634604394}]])
        return JSONResponse({"error": f"Task {tag} is not supported for this payload"}, status_code=400)

    async def _text(self, model: Model, body: Any, raw: bytes, *, dialect: str, compat: bool, force_object: bool = False) -> Response:
        if not isinstance(body, dict) or "inputs" not in body:
            return _deserialize_error(raw, "missing field `inputs`")
        if not isinstance(body["inputs"], str):
            return _deserialize_error(raw, "inputs: invalid type: map, expected a string")
        params = body.get("parameters") or {}
        stream = bool(body.get("stream"))
        error = _validate(body["inputs"], params)
        if error:
            if stream:  # TGI reports validation failures of a stream as one error event in a 200
                return _sse([{"error": error, "error_type": "validation"}], dialect, done=False)
            return JSONResponse({"error": error, "error_type": "validation"}, status_code=422)
        prompt = body["inputs"]
        tokens, finish = _generate(params)
        full = params.get("return_full_text")
        full = (model.pipeline_tag == "text-generation") if full is None else full  # compat route default
        text = "".join(tokens)
        generated = (prompt + text) if (full and compat) else text
        prompt_tokens = len(prompt.split())
        if stream:
            events = []
            for index, token in enumerate(tokens, 1):
                last = index == len(tokens) and finish != "eos_token"
                events.append(_token_event(index, token, generated if last else None, params, finish, prompt_tokens, len(tokens)))
            if finish == "eos_token":
                events.append(_token_event(len(tokens) + 1, "</s>", generated, params, finish, prompt_tokens, len(tokens), special=True))
            return self._stream(events, dialect, done=False)
        details = None
        if params.get("details"):
            details = {
                "finish_reason": finish,
                "generated_tokens": len(tokens),
                "seed": params.get("seed"),
                "prefill": [],
                "tokens": [{"id": 100 + i, "text": t, "logprob": -0.5, "special": False} for i, t in enumerate(tokens)],
            }
        item: dict[str, Any] = {"generated_text": generated}
        if details is not None:
            item["details"] = details
        headers = {
            "x-compute-type": "gpu+optimized",
            "x-prompt-tokens": str(prompt_tokens),
            "x-generated-tokens": str(len(tokens)),
            "x-compute-time": "0.05",
        }
        return JSONResponse(item if force_object else [item], headers=headers)

    async def _chat(self, model: Model, body: Any, raw: bytes, *, dialect: str) -> Response:
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            return _deserialize_error(raw, 'messages: invalid type: string, expected a sequence')
        if not model.chat_template:
            return JSONResponse({"error": "Template error: template not found", "error_type": "template_error"}, status_code=422)
        params = {"max_new_tokens": body.get("max_tokens"), **{k: body.get(k) for k in ("temperature", "top_p", "stop", "seed")}}
        params = {k: v for k, v in params.items() if v is not None}
        if params.get("temperature") == 0:
            params.pop("temperature")
        prompt = " ".join(str(m.get("content", "")) for m in body["messages"])
        error = _validate(prompt, params)
        if error:
            return JSONResponse({"error": error, "error_type": "validation"}, status_code=422)
        tokens, finish = _generate(params)
        finish_reason = "length" if finish == "length" else "stop"
        created = int(time.time())
        legacy = dialect == "tgi1"
        common = {
            "id": "",
            "object": "text_completion" if legacy else ("chat.completion.chunk" if body.get("stream") else "chat.completion"),
            "created": created,
            "model": model.id,
            "system_fingerprint": "1.4.3-sha-e6bb3ff" if legacy else "3.2.1-native",
        }
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(tokens), "total_tokens": len(prompt.split()) + len(tokens)}
        if body.get("stream"):
            events = []
            for index, token in enumerate(tokens):
                last = index == len(tokens) - 1
                choice = {"index": 0, "delta": {"role": "assistant", "content": token}, "logprobs": None,
                          "finish_reason": finish_reason if (last and not legacy) else None}
                events.append({**common, "choices": [choice], **({} if legacy else {"usage": None})})
            if legacy:  # TGI 1.x: a last chunk with an empty delta, and no [DONE]
                events.append({**common, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish_reason}]})
            elif (body.get("stream_options") or {}).get("include_usage"):  # TGI 3: a usage chunk without choices
                events.append({**common, "choices": [], "usage": usage})
            return self._stream(events, dialect, done=not legacy)
        message = {"role": "assistant", "content": "".join(tokens)}
        return JSONResponse({**common, "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}], "usage": usage})

    def _stream(self, events: list[Any], dialect: str, *, done: bool, headers: dict[str, str] | None = None) -> Response:
        def cut() -> None:
            self.streams_cut += 1

        counted = self.open_streams_counter  # a stream of an earlier test, ending late, must not count in this one

        def opened(change: int) -> None:
            if counted is self.open_streams_counter:
                counted.open += change
                counted.most = max(counted.most, counted.open)

        async def gate() -> None:
            deadline = time.monotonic() + 10
            while counted.most < self.hold_streams_until and time.monotonic() < deadline:
                await asyncio.sleep(0.02)

        held = self.hold_last

        async def last() -> None:
            deadline = time.monotonic() + 20
            while held is not None and not held.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)

        return _sse(events, dialect, done=done, split=self.stream_split, keepalive=self.keepalive, delay=self.token_delay, on_cut=cut,
                    crlf=self.crlf, multiline=self.multiline, headers=headers, opened=opened, gate=gate, before_last=last)

    # --- OpenAI-compatible engines and the router (shapes in fakeoai.py) ----------------

    async def _openai_engine(self, endpoint: Endpoint, route: str, request: Request, body: Any) -> Response:
        """vLLM, SGLang or llama.cpp behind a dedicated endpoint: no TGI route exists."""
        engine = endpoint.engine
        if endpoint.cold > 0:  # scaled to zero: the proxy answers 503 (its body is UNCONFIRMED: an empty one here)
            if endpoint.holds and request.headers.get("x-scale-up-timeout"):
                await asyncio.sleep(0.05)  # held until a replica is up
                endpoint.cold = 0
            else:
                endpoint.cold -= 1
                return Response(b"", status_code=503)
        if endpoint.token is not None and route not in ("/health", "/v1/health") and _bearer(request) != endpoint.token:
            if engine == "llamacpp":  # llama-server --api-key checks the key before routing
                return JSONResponse(fakeoai.LLAMACPP_BAD_KEY, status_code=401, headers={**fakeoai.LLAMACPP_HEADERS, "Connection": "close"})
            return JSONResponse({"error": "Unauthorized"}, status_code=401)
        model = MODELS[endpoint.model]
        get, post = request.method == "GET", request.method == "POST"
        if route in ("/health", "/v1/health") and get:
            return JSONResponse({"status": "ok"}, headers=fakeoai.LLAMACPP_HEADERS) if engine == "llamacpp" else Response(b"", 200)
        if route in ("/v1/models", "/models") and get:
            return JSONResponse(fakeoai.models_list(engine, endpoint.served_name, MAX_TOTAL_TOKENS))
        if route == "/version" and get and engine == "vllm":
            return JSONResponse({"version": fakeoai.VLLM_VERSION})
        if route == "/props" and get and engine == "llamacpp":
            return JSONResponse({"model_alias": endpoint.served_name, "build_info": fakeoai.LLAMACPP_BUILD, "total_slots": 2,
                                 "modalities": {"vision": False, "audio": False}}, headers=fakeoai.LLAMACPP_HEADERS)
        if route not in ("/v1/chat/completions", "/v1/completions") or not post:
            return fakeoai.not_found(engine)
        if not isinstance(body, dict):
            return fakeoai.openai_error(500 if engine == "llamacpp" else 400, "[json.exception.parse_error.101] parse error", "server_error", engine=engine)
        asked = body.get("model")
        if engine == "vllm" and asked not in (None, endpoint.served_name):  # vLLM checks the served name
            return fakeoai.openai_error(404, f"The model `{asked}` does not exist.", "NotFoundError", engine=engine, param="model")
        shown = endpoint.served_name if engine != "llamacpp" else endpoint.served_name
        if route == "/v1/chat/completions":
            if not isinstance(body.get("messages"), list):
                return fakeoai.openai_error(400, "'messages' is required", "invalid_request_error", engine=engine)
            if engine == "vllm" and not model.chat_template:
                return fakeoai.openai_error(400, fakeoai.VLLM_NO_TEMPLATE, "BadRequestError", engine=engine)
            return self._openai_chat(body, shown, flavor=engine)
        prompt = body.get("prompt")
        if not isinstance(prompt, str):
            return fakeoai.openai_error(400, "'prompt' is required", "invalid_request_error", engine=engine)
        tokens, finish = _generate({"max_new_tokens": body.get("max_tokens"), "stop": body.get("stop")})
        finish = "length" if finish == "length" else "stop"
        usage = _usage(prompt, tokens)
        if body.get("stream"):
            include = bool((body.get("stream_options") or {}).get("include_usage"))
            events = fakeoai.completion_events(model=shown, tokens=tokens, finish=finish, usage=usage, include_usage=include)
            return self._stream(events, "openai", done=True)
        return JSONResponse(fakeoai.completion_body(model=shown, text="".join(tokens), finish=finish, usage=usage))

    def _openai_chat(self, body: dict[str, Any], model_name: str, *, flavor: str, headers: dict[str, str] | None = None) -> Response:
        prompt = " ".join(str(m.get("content") or "") for m in body["messages"] if isinstance(m, dict))
        if any(isinstance(m, dict) and m.get("role") == "tool" for m in body["messages"]):
            tokens, finish = [" It", " is", " 21", " °C", " in", " Paris", "."], "stop"
        else:
            tokens, finish = _generate({"max_new_tokens": body.get("max_tokens"), "stop": body.get("stop")})
            finish = "length" if finish == "length" else "stop"
        call = fakeoai.tool_call_for(body)
        usage = _usage(prompt, tokens)
        if body.get("stream"):
            include = bool((body.get("stream_options") or {}).get("include_usage"))
            events = fakeoai.chat_events(flavor=flavor, model=model_name, tokens=tokens, finish=finish, usage=usage, call=call, include_usage=include)
            return self._stream(events, "openai", done=True, headers=headers)
        answer = fakeoai.chat_body(flavor=flavor, model=model_name, text="".join(tokens), finish=finish, usage=usage, call=call)
        return JSONResponse(answer, headers=headers)

    async def _router_chat(self, request: Request, body: Any) -> Response:
        """``POST {router}/v1/chat/completions``: the auto-router, with suffixes and policies."""
        refused = self._router_auth(request)
        if refused is not None:
            return refused
        if not isinstance(body, dict) or not isinstance(body.get("model"), str) or not isinstance(body.get("messages"), list):
            return JSONResponse({"error": {"message": "Invalid request body", "type": "invalid_request_error", "param": None, "code": None}}, status_code=400)
        hub_id, _, suffix = body["model"].partition(":")
        model = MODELS.get(hub_id)
        provider, why = fakeoai.pick_provider(model, suffix or None) if model is not None else (None, "none")
        if provider is None:
            if why == "pinned" and model is not None and suffix in model.providers:
                return JSONResponse({"error": f"The requested model is deprecated and no longer supported by provider '{suffix}'."}, status_code=410)
            message = f"The requested model '{body['model']}' is not supported by any provider you have enabled."
            return JSONResponse({"error": {"message": message, "type": "invalid_request_error", "param": "model", "code": "model_not_supported"}}, status_code=400)
        headers = {"x-inference-provider": provider, "x-request-id": "Root=1-" + format(int(time.time()), "x") + "-fake"}
        return self._openai_chat(body, hub_id, flavor="router", headers=headers)

    async def _provider_route(self, provider: str, request: Request, body: Any) -> Response:
        """A provider's own route under the router: ``model`` is the provider's id for it."""
        refused = self._router_auth(request)
        if refused is not None:
            return refused
        asked = body.get("model") if isinstance(body, dict) else None
        served = next((m for m in MODELS.values() if m.providers.get(provider, {}).get("providerId") == asked), None)
        if served is None or not isinstance(body.get("messages"), list):
            return JSONResponse({"error": f"Model {asked} is not supported by provider {provider}"}, status_code=400)
        return self._openai_chat(body, asked, flavor="router", headers={"x-inference-provider": provider})

    # --- the Hub's whoami and the Inference Endpoints API -----------------------------------

    def _whoami(self, request: Request) -> Response:
        token = _bearer(request)
        if token not in ACCOUNTS:
            return JSONResponse({"error": "Invalid credentials in Authorization header"}, status_code=401)
        user, orgs = ACCOUNTS[token]
        return JSONResponse({"type": "user", "id": "6" * 24, "name": user, "fullname": "Fake User", "isPro": False,
                             "orgs": [{"type": "org", "name": org, "roleInOrg": "write"} for org in orgs],
                             "auth": {"type": "access_token", "accessToken": {"displayName": "fake", "role": "fineGrained"}}})

    def _endpoint_list(self, namespace: str, request: Request) -> Response:
        token = _bearer(request)
        if token not in ACCOUNTS:
            return JSONResponse({"error": "Invalid credentials in Authorization header"}, status_code=401)
        if token == NO_PROVIDERS_TOKEN:  # a fine-grained token without the permission to read endpoints
            return JSONResponse({"error": "You don't have the permission to read Inference Endpoints"}, status_code=403)
        user, orgs = ACCOUNTS[token]
        if namespace not in (user, *orgs) or namespace not in ENDPOINT_ITEMS:
            return JSONResponse({"error": "Unauthorized: no billing set up for this namespace"}, status_code=401)
        return JSONResponse({"items": [_endpoint_object(self, namespace, *item) for item in ENDPOINT_ITEMS[namespace]]})

    def _router_auth(self, request: Request) -> Response | None:
        token = _bearer(request)
        if token is None or token not in self.valid_tokens:
            headers = {"X-Error-Message": "Invalid username or password.", "WWW-Authenticate": 'Bearer realm="Authentication required", charset="UTF-8"'}
            return JSONResponse(fakeoai.ROUTER_INVALID_TOKEN, status_code=401, headers=headers)
        if token == NO_CREDITS_TOKEN:
            return JSONResponse(fakeoai.ROUTER_NO_CREDITS, status_code=402)
        if token == NO_PROVIDERS_TOKEN:
            return JSONResponse({"error": "This authentication method does not have sufficient permissions to call Inference Providers on behalf of user fake-user"}, status_code=403)
        return None


# --- helpers ---------------------------------------------------------------------------


def _gated(model_id: str, token: str | None) -> Response | None:
    """The Hub's refusal of a gated repository (the wording of its GatedRepo errors)."""
    if token is None:
        text, status = f"Access to model {model_id} is restricted. You must have access to it and be authenticated to access it. Please log in.", 401
    elif token == NO_ACCESS_TOKEN:
        text, status = (
            f"Access to model {model_id} is restricted and you are not in the authorized list. "
            f"Visit https://huggingface.co/{model_id} to ask for access."
        ), 403
    else:
        return None
    return JSONResponse({"error": text}, status_code=status, headers={"x-error-code": "GatedRepo"})


# Who each token belongs to (for /api/whoami-v2), and the endpoints of each namespace:
# (name, state, fake endpoint it points at, Hub repository, image key, type).
ACCOUNTS = {
    "hf_fake_valid_user_token": ("fake-user", ["fake-org", "no-billing-org"]),
    "hf_fake_private_endpoint_token": ("fake-user", ["fake-org", "no-billing-org"]),
    NO_PROVIDERS_TOKEN: ("read-only-user", []),
}
ENDPOINT_ITEMS = {
    "fake-user": [
        ("llama-chat-tgi", "running", "private-chat", "meta-llama/Llama-2-7b-chat-hf", "tgi", "protected"),
        ("llama31-vllm", "running", "vllm-chat", "meta-llama/Llama-3.1-8B-Instruct", "vLLM", "public"),
        ("sleepy-vllm", "scaledToZero", "vllm-cold-no-hold", "meta-llama/Llama-3.1-8B-Instruct", "vLLM", "public"),
        ("paused-one", "paused", None, "google/gemma-2b", "tgi", "protected"),
    ],
    "fake-org": [("org-llamacpp", "running", "llamacpp-chat", "meta-llama/Llama-2-7b-chat-hf", "llamacpp", "public")],
    "read-only-user": [],
}
STATE_MESSAGES = {"running": "Endpoint is ready", "paused": "Endpoint paused", "scaledToZero": "Endpoint scaled to zero"}


def _endpoint_object(fake: FakeHF, namespace: str, name: str, state: str, target: str | None, repo: str, image: str, kind: str) -> dict[str, Any]:
    """An endpoint as the Endpoints API describes it (huggingface_hub's test fixtures)."""
    status: dict[str, Any] = {"state": state, "message": STATE_MESSAGES.get(state, state), "readyReplica": 1 if state == "running" else 0,
                              "targetReplica": 1, "createdAt": "2026-11-30T10:00:00.000Z", "updatedAt": "2026-12-01T10:00:00.000Z"}
    if target is not None:
        status["url"] = fake.endpoint_url(target)
    return {
        "name": name, "type": kind, "accountId": None, "provider": {"vendor": "aws", "region": "us-east-1"},
        "compute": {"accelerator": "gpu", "id": "aws-us-east-1-nvidia-l4-x1", "instanceType": "nvidia-l4", "instanceSize": "x1",
                    "scaling": {"minReplica": 0, "maxReplica": 1, "scaleToZeroTimeout": 15}},
        "model": {"repository": repo, "revision": "0cb88a4f764b7a12671c53f0838cd831a0843b95", "task": "text-generation",
                  "framework": "pytorch", "image": {image: {"url": f"example/{image.lower()}:latest", "port": 80, "healthRoute": "/health"}}},
        "status": status,
    }


def _usage(prompt: str, tokens: list[str]) -> dict[str, int]:
    prompt_tokens = len(prompt.split())
    return {"prompt_tokens": prompt_tokens, "completion_tokens": len(tokens), "total_tokens": prompt_tokens + len(tokens)}


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization")
    if value is None:
        return None
    return value[7:] if value.startswith("Bearer ") else value


def _json_content_type(request: Request) -> bool:
    """Whether a request's Content-Type is JSON as axum reads it: application/json or a
    ``+json`` subtype, any case, parameters ignored."""
    mime = request.headers.get("content-type", "").split(";")[0].strip().lower()
    kind, _, subtype = mime.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _respond(reply: Reply) -> Response:
    body = reply.body
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body, separators=(",", ":"))
    if isinstance(body, str):
        body = body.encode()
    if reply.content_type.startswith("text/event-stream"):
        return StreamingResponse(iter([body]), status_code=reply.status, media_type=reply.content_type, headers=reply.headers)
    return Response(body, status_code=reply.status, headers={"content-type": reply.content_type, **reply.headers})


def _deserialize_error(raw: bytes, why: str) -> Response:
    column = len(raw)
    return PlainTextResponse(
        f"Failed to deserialize the JSON body into the target type: {why} at line 1 column {column}", status_code=422
    )


def _validate(prompt: str, params: dict[str, Any]) -> str | None:
    """TGI's parameter validation, with its messages."""
    temperature = params.get("temperature")
    if temperature is not None and temperature <= 0:
        return "Input validation error: `temperature` must be strictly positive"
    top_p = params.get("top_p")
    if top_p is not None and not 0 < top_p < 1:
        return "Input validation error: `top_p` must be > 0.0 and < 1.0"
    stop = params.get("stop") or []
    if len(stop) > 4:
        return f"Input validation error: `stop` supports up to 4 stop sequences. Given: {len(stop)}"
    max_new = params.get("max_new_tokens") or 20
    prompt_tokens = len(prompt.split())
    if prompt_tokens + max_new > MAX_TOTAL_TOKENS:
        return (
            f"Input validation error: `inputs` tokens + `max_new_tokens` must be <= {MAX_TOTAL_TOKENS}. "
            f"Given: {prompt_tokens} `inputs` tokens and {max_new} `max_new_tokens`"
        )
    return None


def _generate(params: dict[str, Any]) -> tuple[list[str], str]:
    """Canned tokens: the WORDS sentence, cut at max_new_tokens or a stop sequence; a
    limit beyond the sentence ends it with the end-of-sequence token."""
    limit = params.get("max_new_tokens") or 20
    tokens: list[str] = []
    for word in WORDS[:limit]:
        tokens.append(word)
        if any(stop in "".join(tokens) for stop in params.get("stop") or []):
            return tokens, "stop_sequence"
    return tokens, ("length" if limit <= len(WORDS) else "eos_token")


def _token_event(index, text, generated, params, finish, prompt_tokens, generated_tokens, special=False):
    details = None
    if generated is not None and params.get("details"):
        details = {"finish_reason": finish, "generated_tokens": generated_tokens, "input_length": prompt_tokens, "seed": params.get("seed")}
    return {
        "index": index,
        "token": {"id": 100 + index, "text": text, "logprob": -0.5, "special": special},
        "generated_text": generated,
        "details": details,
    }


def _qa_answer(question: str, context: str) -> str:
    """A span of the context: the last capitalised word of the sentence that shares most
    words with the question (enough to answer "What is the capital of France?")."""
    asked = {w.strip("?.,").lower() for w in question.split()}
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", context) if s.strip()] or [context]
    best = max(sentences, key=lambda s: len(asked & {w.strip(".,").lower() for w in s.split()}))
    words = [w.strip(".,;:!?") for w in best.split()]
    capitalised = [w for w in words[1:] if w[:1].isupper()]
    return capitalised[-1] if capitalised else (words[-1] if words else "")


@dataclass
class StreamCount:
    open: int = 0
    most: int = 0


def _sse(events, dialect, *, done, split=None, keepalive=False, delay=0.0, on_cut=None, crlf=False, multiline=False,
         headers=None, opened=None, gate=None, before_last=None) -> StreamingResponse:
    prefix = "data:" if dialect in ("tgi1", "tgi2") else "data: "
    end = "\r\n" if crlf else "\n"
    parts = []
    for event in events:
        text = json.dumps(event, separators=(",", ":"))
        if multiline and "," in text:  # the spec joins data: lines with a newline, which JSON reads as space
            head, _, tail = text.partition(",")
            text = f"{head},{end}{prefix}{tail}"
        parts.append(f"{prefix}{text}{end}{end}".encode())
        if keepalive:
            parts.append(f": keep-alive{end}{end}".encode())
    if done:
        parts.append(f"{prefix}[DONE]{end}{end}".encode())

    async def body():
        finished = False
        if opened is not None:
            opened(1)
        try:
            if gate is not None:
                await gate()
            for index, part in enumerate(parts):
                if delay:
                    await asyncio.sleep(delay)
                if before_last is not None and index == len(parts) - 1:
                    await before_last()
                if split:
                    for i in range(0, len(part), split):
                        yield part[i : i + split]
                        await asyncio.sleep(0)
                else:
                    yield part
            finished = True
        finally:
            if opened is not None:
                opened(-1)
            if not finished and on_cut is not None:
                on_cut()  # the client went away: a real server would stop generating here

    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)
