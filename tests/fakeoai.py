"""The OpenAI-style half of the fake: the Inference Providers router and the
OpenAI-compatible engines of dedicated endpoints (vLLM, SGLang, llama.cpp).

Shapes come from ``tests/data/hf-wire/``: ``llamacpp-samples.md`` (a real llama-server's
bytes: 404 bodies on TGI routes, ``/v1/models`` with ``owned_by: llamacpp``, the chunk
sequence of a stream, the ``include_usage`` chunk, OpenAI-style errors, the ``--api-key``
401), ``providers.md`` and ``providers-recordings.json`` (the router's error bodies,
``x-inference-provider``, ``/v1/models`` with per-provider pricing, tool calls). Where a
shape is marked UNCONFIRMED there (vLLM's /info 404 body, a scaled-to-zero 503), the
choice made here is said next to it.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from starlette.responses import JSONResponse, Response

# llama-server's answer to any route it does not have (TGI's among them), verbatim.
LLAMACPP_NOT_FOUND = {"error": {"message": "File Not Found", "type": "not_found_error", "code": 404}}
LLAMACPP_BAD_KEY = {"error": {"message": "Invalid API Key", "type": "authentication_error", "code": 401}}
LLAMACPP_HEADERS = {"Server": "llama.cpp", "Access-Control-Allow-Origin": ""}
# vLLM is a FastAPI app: an unknown route gets FastAPI's default body (UNCONFIRMED in the notes, the framework's default).
VLLM_NOT_FOUND = {"detail": "Not Found"}
VLLM_NO_TEMPLATE = (
    "As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template "
    "if the tokenizer does not define one."
)
LLAMACPP_BUILD = "b1-0c1e570"
VLLM_VERSION = "0.11.0"
SGLANG_VERSION = "0.5.2"

# The router's error bodies (providers.md §1.6), verbatim where recorded.
ROUTER_INVALID_TOKEN = {"error": "Invalid username or password."}
ROUTER_NO_CREDITS = {
    "error": "You have depleted your monthly included credits. Purchase pre-paid credits to continue using Inference "
    "Providers. Alternatively, subscribe to PRO to get 20x more included credits."
}
ROUTER_RELAYED_500 = {"error": {"code": None, "message": "Internal server error", "param": None, "type": "server_error"}, "id": "oS9XtEv-fake"}

# Each provider's own chat path under the router (providers.md §1.4).
PROVIDER_CHAT_PATHS = {
    "novita": "/v3/openai/chat/completions",
    "fireworks-ai": "/inference/v1/chat/completions",
    "groq": "/openai/v1/chat/completions",
    "deepinfra": "/v1/openai/chat/completions",
    "cohere": "/compatibility/v1/chat/completions",
    "zai-org": "/api/paas/v4/chat/completions",
}
DEFAULT_PROVIDER_CHAT_PATH = "/v1/chat/completions"

# Figures /v1/models gives per provider: price per 1M tokens, context length, throughput.
PROVIDER_FIGURES = {
    "together": {"pricing": {"input": 0.18, "output": 0.18}, "context_length": 131072, "throughput": 120.5, "first_token_latency_ms": 380},
    "novita": {"pricing": {"input": 0.02, "output": 0.05}, "context_length": 16384, "throughput": 60.2, "first_token_latency_ms": 910},
    "cerebras": {"pricing": {"input": 0.1, "output": 0.1}, "context_length": 8192, "throughput": 2100.0, "first_token_latency_ms": 190},
    "fireworks-ai": {"pricing": {"input": 0.2, "output": 0.2}, "context_length": 131072, "throughput": 150.0},
    "featherless-ai": {},
}


def new_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:29]


def split_arguments(arguments: str) -> list[str]:
    """A tool call's arguments in the pieces a server streams them in."""
    third = max(1, len(arguments) // 3)
    return [arguments[i : i + third] for i in range(0, len(arguments), third)]


def tool_call_for(body: dict[str, Any]) -> dict[str, Any] | None:
    """The call a model makes when it is offered tools and the last message is the user's."""
    tools = body.get("tools")
    messages = body.get("messages") or []
    if not isinstance(tools, list) or not tools or body.get("tool_choice") == "none":
        return None
    if not messages or not isinstance(messages[-1], dict) or messages[-1].get("role") != "user":
        return None
    function = tools[0].get("function", {}) if isinstance(tools[0], dict) else {}
    required = (function.get("parameters") or {}).get("required") or ["location"]
    return {
        "id": "call_" + uuid.uuid4().hex[:24],
        "type": "function",
        "function": {"name": function.get("name", "tool"), "arguments": json.dumps({required[0]: "Paris"})},
    }


def chat_events(
    *,
    flavor: str,
    model: str,
    tokens: list[str],
    finish: str,
    usage: dict[str, Any],
    call: dict[str, Any] | None,
    include_usage: bool,
) -> list[dict[str, Any]]:
    """The chunks of an OpenAI chat stream, as each server sends them.

    llama.cpp: a first chunk with ``role`` and ``content: null``, one chunk per token, a
    chunk with an empty delta and the finish reason, then (``include_usage``) one with
    ``choices: []`` and the usage. vLLM / SGLang / the router: the role on a first empty
    chunk, then tokens, the finish reason on a last empty delta, the same usage chunk."""
    common = {"id": new_id(), "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
    if flavor == "llamacpp":
        common["system_fingerprint"] = LLAMACPP_BUILD

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        if flavor != "llamacpp":
            choice["logprobs"] = None
        return {**common, "choices": [choice]}

    events = [chunk({"role": "assistant", "content": None if flavor == "llamacpp" else ""})]
    if call is not None:
        head = {"index": 0, "id": call["id"], "type": "function", "function": {"name": call["function"]["name"], "arguments": ""}}
        events.append(chunk({"tool_calls": [head]}))
        for piece in split_arguments(call["function"]["arguments"]):
            events.append(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
        finish = "tool_calls"
    else:
        events += [chunk({"content": token}) for token in tokens]
    events.append(chunk({}, finish))
    if include_usage:
        events.append({**common, "choices": [], "usage": usage})
    return events


def chat_body(*, flavor: str, model: str, text: str, finish: str, usage: dict[str, Any], call: dict[str, Any] | None) -> dict[str, Any]:
    """A whole OpenAI chat completion, in the server's key order where it was recorded."""
    message: dict[str, Any] = {"role": "assistant", "content": None if call else text}
    if call is not None:
        message["tool_calls"] = [call]
        finish = "tool_calls"
    if flavor == "llamacpp":
        return {
            "choices": [{"finish_reason": finish, "index": 0, "message": message}],
            "created": int(time.time()), "model": model, "system_fingerprint": LLAMACPP_BUILD, "object": "chat.completion",
            "usage": {**usage, "prompt_tokens_details": {"cached_tokens": 0}}, "id": new_id(),
            "timings": {"prompt_n": usage["prompt_tokens"], "predicted_n": usage["completion_tokens"]},
        }
    return {
        "id": new_id(), "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": usage,
    }


def completion_events(*, model: str, tokens: list[str], finish: str, usage: dict[str, Any], include_usage: bool) -> list[dict[str, Any]]:
    common = {"id": "cmpl-" + uuid.uuid4().hex[:29], "object": "text_completion", "created": int(time.time()), "model": model}
    events = []
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        events.append({**common, "choices": [{"index": 0, "text": token, "logprobs": None, "finish_reason": finish if last else None}]})
    if include_usage:
        events.append({**common, "choices": [], "usage": usage})
    return events


def completion_body(*, model: str, text: str, finish: str, usage: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "cmpl-" + uuid.uuid4().hex[:29], "object": "text_completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": finish}], "usage": usage,
    }


def models_list(engine: str, served: str, max_len: int) -> dict[str, Any]:
    """``GET /v1/models`` as each engine answers it."""
    created = int(time.time())
    if engine == "llamacpp":
        return {
            "models": [{"name": served, "model": served, "modified_at": "", "size": "", "digest": "", "type": "model", "description": "",
                        "tags": [""], "capabilities": ["completion"], "parameters": "", "details": {"format": "gguf"}}],
            "object": "list",
            "data": [{"id": served, "aliases": [served], "tags": [], "object": "model", "created": created, "owned_by": "llamacpp",
                      "meta": {"vocab_type": 1, "n_vocab": 32000, "n_ctx": max_len, "n_ctx_train": max_len, "n_params": 4178240}}],
        }
    return {
        "object": "list",
        "data": [{"id": served, "object": "model", "created": created, "owned_by": engine, "root": served, "parent": None,
                  "max_model_len": max_len, "permission": [{"id": "modelperm-" + uuid.uuid4().hex[:24], "object": "model_permission",
                                                           "allow_sampling": True, "allow_logprobs": True, "allow_view": True}]}],
    }


def openai_error(status: int, message: str, kind: str, *, engine: str, param: str | None = None, headers: dict | None = None) -> Response:
    """An OpenAI-style error body as each engine words it (llama.cpp: ``code`` first and no ``param``)."""
    if engine == "llamacpp":
        body = {"error": {"code": status, "message": message, "type": kind}}
        return JSONResponse(body, status_code=status, headers={**LLAMACPP_HEADERS, "Connection": "close", **(headers or {})})
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": status}}, status_code=status, headers=headers)


def not_found(engine: str) -> Response:
    if engine == "llamacpp":
        return JSONResponse(LLAMACPP_NOT_FOUND, status_code=404, headers={**LLAMACPP_HEADERS, "Connection": "close"})
    return JSONResponse(VLLM_NOT_FOUND, status_code=404)


def router_models(models: dict[str, Any]) -> dict[str, Any]:
    """``GET {router}/v1/models``: every model some provider serves for chat, with its providers."""
    data = []
    for model in models.values():
        providers = [(name, entry) for name, entry in model.providers.items() if entry.get("task") == "conversational"]
        if not providers:
            continue
        listed = []
        for name, entry in providers:
            figures = PROVIDER_FIGURES.get(name, {})
            listed.append({
                "provider": name, "status": "live" if entry.get("status") == "live" else "error", **figures,
                **({"supports_tools": True, "supports_structured_output": name != "novita"} if figures else {}),
                "is_model_author": False,
            })
        data.append({
            "id": model.id, "object": "model", "created": 1730000000, "owned_by": model.id.split("/")[0],
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]}, "providers": listed,
        })
    return {"object": "list", "data": data}


def pick_provider(model: Any, suffix: str | None) -> tuple[str | None, str]:
    """(provider, why not) for a chat on the router: a pinned provider, or a policy's choice
    among the live ones (fastest: highest throughput; cheapest: lowest output price;
    preferred: the user's order, here the mapping's)."""
    live = [name for name, entry in model.providers.items() if entry.get("task") == "conversational" and entry.get("status") == "live"]
    if suffix and suffix not in ("fastest", "cheapest", "preferred", "auto"):
        return (suffix, "") if suffix in live else (None, "pinned")
    if not live:
        return None, "none"
    if suffix == "cheapest":
        return min(live, key=lambda p: PROVIDER_FIGURES.get(p, {}).get("pricing", {}).get("output", 1e9)), ""
    if suffix == "preferred":
        return live[0], ""
    return max(live, key=lambda p: PROVIDER_FIGURES.get(p, {}).get("throughput", 0.0)), ""
