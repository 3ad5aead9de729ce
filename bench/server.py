"""A TGI-protocol endpoint for benchmarks: answers at once, or after a set time per token.

    python bench/server.py PORT

Routes, under a prefix ``/d{ms}`` that sets the milliseconds per streamed token
(``/d0`` answers at once, ``/d20`` takes 20 ms a token):

* ``GET  /d{ms}/info``: TGI's /info, pipeline tag text-generation;
* ``POST /d{ms}/v1/chat/completions``: JSON, or a TGI 3 stream of ``max_tokens`` tokens
  ending with ``[DONE]``. The first token echoes the last word of the user's message, so
  a benchmark can tell replies apart (no crossed replies).
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


app = Starlette(routes=[
    Route("/d{ms:int}/info", info, methods=["GET"]),
    Route("/d{ms:int}/v1/chat/completions", chat, methods=["POST"]),
])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, backlog=4096)
