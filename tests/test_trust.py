"""Tokens never leak, and sessions never cross: checked with canary tokens through every
output a person or a program can see."""

from __future__ import annotations

import json
import threading

import httpx

from apprun import AppProcess, chat, free_port
from fakehf import Reply

DOTENV_CANARY = "hf_dotenvCanaryQ7w2Zr5Tn8Kp3Lx6Vb9"  # the server's token, from .env (a Space secret arrives the same way)
TYPED_CANARY = "hf_typedCanaryM4s8Jd1Gh6Yc0Pf2Wq7"  # a visitor's token, typed in the Token box
ZEPHYR = "HuggingFaceH4/zephyr-7b-beta"


def leaks(text: str) -> list[str]:
    return [name for name, canary in (("dotenv", DOTENV_CANARY), ("typed", TYPED_CANARY)) if canary[3:] in text]


def test_canary_tokens_never_appear_in_any_output(fake):
    dead = free_port()
    tgi = fake.endpoint_url("zephyr-tgi1")
    # A server that echoes the token it was sent back in its error body.
    fake.script("/endpoints/zephyr-tgi1/v1/chat/completions", Reply(400, {"error": f"Authorization Bearer {TYPED_CANARY} is not allowed"}))
    env = {"HF_INFERENCE_ENDPOINT": fake.inference_url, "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url,
           "HF_ENDPOINTS_API_URL": fake.endpoints_api_url}
    with AppProcess(env, dotenv=f"HF_TOKEN={DOTENV_CANARY}\n") as app, httpx.Client() as client:
        outputs = {"page HTML": app.html}
        for path in ("config", "gradio_api/info", "gradio_api/openapi.json"):
            outputs[path] = client.get(app.url + path).text
        turns = {
            "default endpoint (server token held back from loopback)": dict(endpoint="default"),
            "echoing server": dict(endpoint="public", api_base=tgi, token=TYPED_CANARY),
            "public endpoint": dict(endpoint="public", api_base=tgi, token=TYPED_CANARY),
            "refused token": dict(endpoint="private", api_base=fake.endpoint_url("private-chat"), token=TYPED_CANARY),
            "unreachable endpoint": dict(endpoint="private", api_base=f"http://127.0.0.1:{dead}", token=TYPED_CANARY),
            "malformed token": dict(endpoint="private", api_base=tgi, token=TYPED_CANARY + " x"),
            "token in the URL": dict(endpoint="public", api_base=tgi.replace("http://", f"http://user:{TYPED_CANARY}@")),
            "loading model": dict(endpoint="default", model="google/gemma-2b", token=TYPED_CANARY, max_tokens=1),
            "inference providers, typed token refused": dict(
                endpoint="default", model="meta-llama/Llama-3.1-8B-Instruct", provider="together", bill_to="my-org", token=TYPED_CANARY),
            "inference providers, no token": dict(endpoint="default", model="meta-llama/Llama-3.1-8B-Instruct", provider="cheapest"),
        }
        statuses = {}
        for name, inputs in turns.items():
            reply, details, raw = chat(client, app.url, message=f"Hello ({name})", **inputs)
            statuses[name] = details["status"]
            outputs[name] = raw
        outputs["app's stdout and stderr"] = app.output

    assert statuses["public endpoint"] == "done" and statuses["echoing server"] == "error"
    assert statuses["refused token"] == statuses["unreachable endpoint"] == "error"
    assert statuses["malformed token"] == statuses["token in the URL"] == "refused", [statuses[k] for k in ("malformed token", "token in the URL")]
    assert statuses["inference providers, typed token refused"] == statuses["inference providers, no token"] == "error"
    # The canaries really were in play: the typed one went where it was typed for.
    assert any(s.headers.get("authorization") == f"Bearer {TYPED_CANARY}" for s in fake.seen("/endpoints/zephyr-tgi1"))
    assert any(s.headers.get("authorization") == f"Bearer {TYPED_CANARY}" for s in fake.seen("/v1/chat/completions"))
    assert all(DOTENV_CANARY not in json.dumps([s.headers, s.body]) for s in fake.requests)  # loopback is not Hugging Face
    found = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    assert not found, f"canary tokens leaked into: {found}"


def test_sessions_never_cross_tokens_under_concurrency(app_url, fake):
    """Many visitors at once, each with a token of their own (some with none): every request
    carries its own visitor's token, and only that."""
    fake.token_delay = 0.003  # streams overlap
    tgi = fake.endpoint_url("zephyr-tgi1")
    visitors = 16
    tokens = {i: (f"hf_visitor{i:02d}Token{'x' * 20}" if i % 4 else "") for i in range(visitors)}
    failures: list[str] = []

    def visitor(i: int) -> None:
        with httpx.Client() as client:
            for turn in range(3):
                _, details, raw = chat(client, app_url + "/", session=f"visitor-{i}", message=f"visitor-{i} turn-{turn}",
                                       endpoint="public", model=ZEPHYR, api_base=tgi, token=tokens[i], max_tokens=8)
                if details["status"] != "done":
                    failures.append(f"visitor {i}: {details['status']} {details['error']}")
                if any(t and t in raw for t in tokens.values()):
                    failures.append(f"visitor {i}: a token came back in the output")

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures

    sent = [s for s in fake.seen("/endpoints/zephyr-tgi1") if s.method == "POST"]
    assert len(sent) == visitors * 3
    for request in sent:
        asker = int(request.body["messages"][-1]["content"].split()[0].split("-")[1])
        expected = f"Bearer {tokens[asker]}" if tokens[asker] else None
        assert request.headers.get("authorization") == expected, f"visitor {asker}'s request carried another token"
