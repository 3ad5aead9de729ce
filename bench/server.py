"""A TGI-protocol endpoint for benchmarks: answers at once, or after a set time per token.

    python bench/server.py PORT

Routes, under a prefix ``/d{ms}`` that sets the milliseconds per streamed token
(``/d0`` answers at once, ``/d20`` takes 20 ms a token):

* ``GET  /d{ms}/info``: TGI's /info, pipeline tag text-generation;
* ``POST /d{ms}/v1/chat/completions``: JSON, or a TGI 3 stream of ``max_tokens`` tokens
  ending with ``[DONE]``. The first token echoes the last word of the user's message, so
  a benchmark can tell replies apart (no crossed replies);
* ``POST /d{ms}/``, ``/d{ms}/generate`` and ``/d{ms}/generate_stream``: TGI's text route
  (``{"inputs", "parameters"}``), answered as TGI does (a list from ``/``, an object from
  ``/generate``, token events with ``details`` at the end when streaming);

and the same server as other engines answer:

* ``/vllm{ms}/v1/models``, ``/vllm{ms}/version``, ``/vllm{ms}/v1/chat/completions`` and
  ``/vllm{ms}/v1/completions``: a vLLM endpoint (no ``/info``);
* ``/router/v1/chat/completions``: the Inference Providers router (``x-inference-provider``).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

INFO = {
    "model_id": "bench/model", "model_pipeline_tag": "text-generation", "max_concurrent_requests": 1024, "max_best_of": 2,
    "max_stop_sequences": 4, "max_input_tokens": 8191, "max_total_tokens": 8192, "validation_workers": 2,
    "max_client_batch_size": 4, "router": "text-generation-router", "version": "bench",
}


def chunk(text: str, finish: str | None) -> bytes:
    event = {
        "object": "chat.completion.chunk", "id": "", "created": int(time.time()), "model": "bench/model",
        "system_fingerprint": "bench", "choices": [{"index": 0, "delta": {"role": "assistant", "content": text},
                                                    "logprobs": None, "finish_reason": finish}], "usage": None,
    }
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


async def info(request: Request) -> Response:
    return JSONResponse(INFO)


async def chat(request: Request) -> Response:
    delay = int(request.path_params["ms"]) / 1000
    body = json.loads(await request.body())
    tokens = int(body.get("max_tokens") or 16)
    last = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
    marker = " " + (last.split() or ["reply"])[-1]
    if not body.get("stream"):
        text = marker + " ok" * (tokens - 1)
        return JSONResponse({
            "object": "chat.completion", "id": "", "created": int(time.time()), "model": "bench/model", "system_fingerprint": "bench",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": tokens, "total_tokens": tokens + 5},
        })

    async def events():
        for index in range(tokens):
            if delay:
                await asyncio.sleep(delay)
            yield chunk(marker if index == 0 else " ok", "length" if index == tokens - 1 else None)
        yield b"data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


def token_event(index: int, text: str, last: bool, generated: str) -> bytes:
    event = {"index": index, "token": {"id": index, "text": text, "logprob": -0.5, "special": False},
             "generated_text": generated if last else None,
             "details": {"finish_reason": "length", "generated_tokens": index, "seed": None} if last else None}
    return b"data:" + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


async def generate(request: Request) -> Response:
    delay = int(request.path_params["ms"]) / 1000
    body = json.loads(await request.body())
    parameters = body.get("parameters") or {}
    tokens = int(parameters.get("max_new_tokens") or 16)
    marker = " " + (str(body.get("inputs", "")).split() or ["reply"])[-1]
    pieces = [marker] + [" ok"] * (tokens - 1)
    streaming = body.get("stream") or request.url.path.endswith("/generate_stream")
    if not streaming:
        answer = {"generated_text": "".join(pieces)}
        if parameters.get("details"):
            answer["details"] = {"finish_reason": "length", "generated_tokens": tokens, "seed": None, "prefill": [], "tokens": []}
        return JSONResponse([answer] if not request.url.path.endswith("/generate") else answer)

    async def events():
        for index, piece in enumerate(pieces, start=1):
            if delay:
                await asyncio.sleep(delay)
            yield token_event(index, piece, index == len(pieces), "".join(pieces))

    return StreamingResponse(events(), media_type="text/event-stream")


async def vllm_models(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [{"id": "bench/model", "object": "model", "created": 0, "owned_by": "vllm",
                                                     "root": "bench/model", "parent": None, "max_model_len": 8192}]})


async def vllm_version(request: Request) -> Response:
    return JSONResponse({"version": "0.11.0"})


async def completions(request: Request) -> Response:
    body = json.loads(await request.body())
    tokens = int(body.get("max_tokens") or 16)
    marker = " " + (str(body.get("prompt", "")).split() or ["reply"])[-1]
    return JSONResponse({
        "id": "cmpl-bench", "object": "text_completion", "created": int(time.time()), "model": "bench/model",
        "choices": [{"index": 0, "text": marker + " ok" * (tokens - 1), "logprobs": None, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": tokens, "total_tokens": tokens + 5},
    })


async def router_chat(request: Request) -> Response:
    request.path_params["ms"] = 0
    reply = await chat(request)
    reply.headers["x-inference-provider"] = "bench-provider"
    return reply


app = Starlette(routes=[
    Route("/d{ms:int}/info", info, methods=["GET"]),
    Route("/d{ms:int}/v1/chat/completions", chat, methods=["POST"]),
    Route("/d{ms:int}", generate, methods=["POST"]),
    Route("/d{ms:int}/", generate, methods=["POST"]),
    Route("/d{ms:int}/generate", generate, methods=["POST"]),
    Route("/d{ms:int}/generate_stream", generate, methods=["POST"]),
    Route("/vllm{ms:int}/v1/models", vllm_models, methods=["GET"]),
    Route("/vllm{ms:int}/version", vllm_version, methods=["GET"]),
    Route("/vllm{ms:int}/v1/chat/completions", chat, methods=["POST"]),
    Route("/vllm{ms:int}/v1/completions", completions, methods=["POST"]),
    Route("/router/v1/chat/completions", router_chat, methods=["POST"]),
])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, backlog=4096)
