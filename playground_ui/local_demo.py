"""The Local demo endpoint: a loopback server that speaks the TGI protocol with canned replies.

No model runs here. It lets a person see the whole flow (task look-up, chat, the fallback
to text generation, question answering, streams, the payload view) with no network and no
token. Each model is served at ``{url}/models/{model id}``, like the serverless API:

* ``GET  .../info`` and ``GET .../health``, as TGI answers them;
* ``POST .../v1/chat/completions``, JSON or stream (TGI 3: ``data: {...}``, then ``[DONE]``);
  a model whose id does not look like a chat model (``-hf`` without ``chat``) has no chat
  template and answers 422 ``template_error``, as a base model on TGI does;
* ``POST ...`` with ``{"inputs": "...", "parameters": ..., "stream": ...}``: text generation,
  JSON (a list, as TGI's compat route) or stream (no ``[DONE]``);
* ``POST ...`` with ``{"inputs": {"question": ..., "context": ...}}``: question answering.

Every reply says that it is canned.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from typing import Any

CANNED = "(Local demo: a canned reply, no model ran.)"
QA_MODELS = ("squad", "question-answering", "qa")
TOKEN_DELAY = 0.02  # seconds between streamed tokens, so that streaming can be seen


def pipeline_tag(model: str) -> str:
    lowered = model.lower()
    return "question-answering" if any(mark in lowered for mark in QA_MODELS) else "text-generation"


def has_chat_template(model: str) -> bool:
    lowered = model.lower()
    return not (lowered.endswith("-hf") and "chat" not in lowered)


def text_of(content: Any) -> str:
    """A message's text: a string as it is, the text parts of a list of OpenAI content parts."""
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text")
    return content if isinstance(content, str) else ""


def canned_tokens(prompt: str, limit: int | None) -> list[str]:
    """The reply, as tokens: a sentence saying what this is, and the start of the message."""
    echo = " ".join(prompt.split()[-12:])
    said = f"You said: “{echo}”." if echo else "Your message had no text."
    text = f"{CANNED} {said} Choose another endpoint to talk to a real model."
    tokens = re.findall(r"\s*\S+", text)
    return tokens[: limit or len(tokens)]


def qa_answer(question: str, context: str) -> dict[str, Any]:
    """A span of the context (the sentence sharing most words with the question), labelled canned."""
    asked = {w.strip("?.,!").lower() for w in question.split()}
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", context.strip()) if s] or [context]
    best = max(sentences, key=lambda s: len(asked & {w.strip(".,!?").lower() for w in s.split()}))
    start = context.find(best)
    return {"score": 0.5, "start": start, "end": start + len(best), "answer": f"{best} {CANNED}"}


def build_asgi_app():
    """The demo server as a Starlette app (Starlette comes with Gradio)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
    from starlette.routing import Route

    def sse(events: list[Any], done: bool) -> StreamingResponse:
        async def body():
            for event in events:
                await asyncio.sleep(TOKEN_DELAY)
                yield f"data: {json.dumps(event, separators=(',', ':'))}\n\n".encode()
            if done:
                yield b"data: [DONE]\n\n"

        return StreamingResponse(body(), media_type="text/event-stream")

    async def handle(request: Request) -> Response:
        path = request.path_params["path"]
        route = ""
        for suffix in ("/v1/chat/completions", "/info", "/health"):
            if path.endswith(suffix):
                path, route = path[: -len(suffix)], suffix
                break
        model = path.strip("/") or "local-demo/canned-chat"
        if route == "/health":
            return Response(b"", status_code=200)
        if route == "/info":
            return JSONResponse(
                {
                    "model_id": model,
                    "model_pipeline_tag": pipeline_tag(model),
                    "max_concurrent_requests": 128,
                    "max_best_of": 2,
                    "max_stop_sequences": 4,
                    "max_input_tokens": 4095,
                    "max_total_tokens": 4096,
                    "validation_workers": 2,
                    "max_client_batch_size": 4,
                    "router": "text-generation-router",
                    "version": "local-demo",
                    "docker_label": None,
                }
            )
        if request.method != "POST":
            return PlainTextResponse("Not Found", status_code=404)
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            return PlainTextResponse("Failed to parse the request body as JSON", status_code=422)
        if route == "/v1/chat/completions":
            return chat(model, body, sse)
        return generate(model, body, sse)

    return Starlette(routes=[Route("/models/{path:path}", handle, methods=["GET", "POST"])])


def chat(model: str, body: Any, sse) -> Any:
    from starlette.responses import JSONResponse, PlainTextResponse

    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return PlainTextResponse("Failed to deserialize the JSON body into the target type: missing field `messages`", status_code=422)
    if not has_chat_template(model) or pipeline_tag(model) != "text-generation":
        return JSONResponse({"error": "Template error: template not found", "error_type": "template_error"}, status_code=422)
    last = next((m.get("content") for m in reversed(body["messages"]) if isinstance(m, dict) and m.get("role") == "user"), "")
    tokens = canned_tokens(text_of(last), body.get("max_tokens"))
    finish = "length" if body.get("max_tokens") and len(tokens) >= body["max_tokens"] else "stop"
    common = {"id": "", "created": int(time.time()), "model": model, "system_fingerprint": "local-demo"}
    prompt_tokens = sum(len(text_of(m.get("content")).split()) for m in body["messages"] if isinstance(m, dict))
    if body.get("stream"):
        events = [
            {**common, "object": "chat.completion.chunk",
             "choices": [{"index": 0, "delta": {"role": "assistant", "content": t}, "logprobs": None,
                          "finish_reason": finish if i == len(tokens) - 1 else None}], "usage": None}
            for i, t in enumerate(tokens)
        ]
        return sse(events, done=True)
    return JSONResponse(
        {**common, "object": "chat.completion",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(tokens)}, "logprobs": None, "finish_reason": finish}],
         "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(tokens), "total_tokens": prompt_tokens + len(tokens)}}
    )


def generate(model: str, body: Any, sse) -> Any:
    from starlette.responses import JSONResponse, PlainTextResponse

    inputs = body.get("inputs") if isinstance(body, dict) else None
    if isinstance(inputs, dict):
        if not isinstance(inputs.get("context"), str) or not isinstance(inputs.get("question"), str):
            return JSONResponse({"error": ["Error in `inputs.context`: field required"]}, status_code=400)
        return JSONResponse(qa_answer(inputs["question"], inputs["context"]))
    if not isinstance(inputs, str):
        return PlainTextResponse("Failed to deserialize the JSON body into the target type: missing field `inputs`", status_code=422)
    params = body.get("parameters") or {}
    limit = params.get("max_new_tokens")
    tokens = canned_tokens(inputs, limit)
    if tokens and inputs[-1:].strip():  # the reply goes on from the prompt after a space, as a model's would
        tokens[0] = " " + tokens[0]
    finish = "length" if limit and len(tokens) >= limit else "eos_token"
    full = params.get("return_full_text")
    generated = ("" if full is False else inputs) + "".join(tokens)
    details = {"finish_reason": finish, "generated_tokens": len(tokens), "input_length": len(inputs.split()), "seed": params.get("seed")}
    if body.get("stream"):
        events = [
            {"index": i + 1, "token": {"id": i, "text": t, "logprob": -0.1, "special": False},
             "generated_text": generated if i == len(tokens) - 1 else None,
             "details": details if (i == len(tokens) - 1 and params.get("details")) else None}
            for i, t in enumerate(tokens)
        ]
        return sse(events, done=False)
    item: dict[str, Any] = {"generated_text": generated}
    if params.get("details"):
        item["details"] = {**{k: v for k, v in details.items() if k != "input_length"}, "prefill": [], "tokens": []}
    headers = {"x-prompt-tokens": str(len(inputs.split())), "x-generated-tokens": str(len(tokens))}
    return JSONResponse([item], headers=headers)


class LocalDemoServer:
    """The demo server on 127.0.0.1 (a free port), in a daemon thread of the app's process."""

    def __init__(self) -> None:
        self.url = ""
        self._server = None
        self._lock = threading.Lock()

    def start(self) -> str:
        """Start once; returns the base URL. Safe to call from any thread."""
        with self._lock:
            if self._server is None:
                import uvicorn

                config = uvicorn.Config(build_asgi_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False)
                server = uvicorn.Server(config)
                threading.Thread(target=server.run, name="local-demo-endpoint", daemon=True).start()
                deadline = time.monotonic() + 10
                while not server.started:
                    if time.monotonic() > deadline:
                        raise RuntimeError("The Local demo endpoint did not start within 10 s.")
                    time.sleep(0.01)
                self.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
                self._server = server
            return self.url

    def model_url(self, model: str) -> str:
        return f"{self.start()}/models/{model or 'local-demo/canned-chat'}"

    def serves(self, host: str, port: int) -> bool:
        """Whether ``host:port`` is this server (the one loopback address a public app may call)."""
        return bool(self.url) and self.url == f"http://{host}:{port}"

    def stop(self) -> None:
        with self._lock:
            if self._server is not None:
                self._server.should_exit = True
                self._server = None


LOCAL_DEMO = LocalDemoServer()
"""The process's Local demo server; it starts on first use (not at import)."""
