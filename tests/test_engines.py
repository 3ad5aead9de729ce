"""Dedicated endpoints on today's engines: vLLM, SGLang and llama.cpp (no TGI routes)."""

import asyncio
import json
import re
from pathlib import Path

import pytest

import playground
from fakehf import Reply
from playground import completion

CHAT = [{"role": "user", "content": "Tell me about Paris."}]
SAMPLES = (Path(__file__).parent / "data" / "hf-wire" / "llamacpp-samples.md").read_text()


def sample(title: str) -> tuple[int, str]:
    """(status, body) of a verbatim exchange in llamacpp-samples.md, by its heading."""
    section = SAMPLES.split(f"### {title}\n", 1)[1].split("\n### ", 1)[0]
    block = section.split("```", 2)[1]
    status = int(re.search(r"HTTP/1\.1 (\d+)", block).group(1))
    body = block.split("\n\n", 1)[1].strip()
    return status, body


def paths(fake, name):
    return [(s.method, s.path.removeprefix(f"/endpoints/{name}")) for s in fake.seen(f"/endpoints/{name}")]


def test_vllm_chat_sends_the_served_name_when_the_given_one_is_not_served(fake):
    r = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), max_tokens=4)
    assert r.choices[0].message.content == " Paris is the capital" and r.route == "chat" and r.engine == "vllm"
    assert paths(fake, "vllm-chat") == [("GET", "/info"), ("GET", "/v1/models"), ("GET", "/version"), ("POST", "/v1/chat/completions")]
    assert r.exchanges[-1].engine == "vLLM 0.11.0" and r.exchanges[-1].to_dict()["engine"] == "vLLM 0.11.0"
    sent = fake.seen("/endpoints/vllm-chat")[-1].body
    assert sent["model"] == "llama-3-1-8b-instruct-xyz"
    assert "'tgi'" in r.exchanges[-1].note and "llama-3-1-8b-instruct-xyz" in r.exchanges[-1].note  # the difference is visible
    r = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat") + "/v1/", max_tokens=2)
    assert paths(fake, "vllm-chat")[-1] == ("POST", "/v1/chat/completions")  # the engine is remembered per URL
    assert len([p for p in paths(fake, "vllm-chat") if p[1] == "/v1/models"]) == 1


def test_vllm_text_generation_goes_to_v1_completions(fake):
    r = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), task="text-generation", max_tokens=3)
    assert r.route == "text-generation" and r.choices[0].message.content == " Paris is the"
    last = fake.seen("/endpoints/vllm-chat")[-1]
    assert last.path.endswith("/v1/completions") and last.body["prompt"] == "Tell me about Paris." and last.body["model"] == "llama-3-1-8b-instruct-xyz"
    assert not any(s.path.endswith(("/generate", "/endpoints/vllm-chat")) for s in fake.seen("/endpoints/vllm-chat"))
    stream = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), task="text-generation", max_tokens=3, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream) == " Paris is the"


def test_a_model_vllm_refuses_to_chat_with_falls_back_to_text_and_is_remembered(fake):
    url = fake.endpoint_url("vllm-base")
    r = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=url, max_tokens=3)
    assert r.route == "text-generation" and r.choices[0].message.content == " Paris is the"
    assert [(e.purpose, e.status) for e in r.exchanges][-2:] == [("chat", 400), ("fallback to text-generation (no chat template)", 200)]
    r = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=url, max_tokens=3)
    assert [e.purpose for e in r.exchanges] == ["text-generation"]


def test_a_model_whose_tokenizer_has_no_chat_template_falls_back_to_text(fake):
    """SGLang (and vLLM since transformers dropped its default template) relay transformers'
    own ValueError when the tokenizer has no template: the chat is retried as text."""
    url = fake.endpoint_url("sglang-chat")
    completion(model="tgi", messages=CHAT, api_base=url, max_tokens=1)  # learn the engine
    no_template = ("Cannot use chat template functions because tokenizer.chat_template is not set and no template argument "
                   "was passed! For information about writing templates and setting the tokenizer.chat_template attribute, "
                   "please see the documentation at https://huggingface.co/docs/transformers/main/en/chat_templating")
    fake.script("/endpoints/sglang-chat/v1/chat/completions",
                Reply(400, {"object": "error", "message": no_template, "type": "BadRequestError", "param": None, "code": 400}))
    r = completion(model="tgi", messages=CHAT, api_base=url, max_tokens=2)
    assert r.route == "text-generation" and r.choices[0].message.content == " Paris is"
    assert [(e.purpose, e.status) for e in r.exchanges][-2:] == [("chat", 400), ("fallback to text-generation (no chat template)", 200)]


def test_vllm_errors_read_as_sentences(fake):
    url = fake.endpoint_url("vllm-chat")
    completion(model="tgi", messages=CHAT, api_base=url, max_tokens=1)  # learn the engine
    fake.script("/endpoints/vllm-chat/v1/chat/completions",
                Reply(400, {"error": {"message": "max_tokens is too large: 9999. This model's maximum context length is 4096 tokens", "type": "BadRequestError", "param": None, "code": 400}}))
    with pytest.raises(playground.ContextWindowExceededError) as caught:
        completion(model="tgi", messages=CHAT, api_base=url)
    assert caught.value.hf_error.startswith("max_tokens is too large") and caught.value.error_type == "BadRequestError"
    assert str(caught.value).startswith("The conversation and max_tokens are too long for this model (HTTP 400: max_tokens is too large")
    fake.script("/endpoints/vllm-chat/v1/chat/completions", Reply(422, {"detail": [{"loc": ["body", "messages"], "msg": "Field required", "type": "missing"}]}))
    with pytest.raises(playground.BadRequestError, match=r"HTTP 422: Field required"):
        completion(model="tgi", messages=CHAT, api_base=url)


def test_llama_cpp_endpoint_chats_on_its_openai_route(fake):
    r = completion(model="meta-llama/Llama-2-7b-chat-hf", messages=CHAT, api_base=fake.endpoint_url("llamacpp-chat"), max_tokens=2)
    assert r.choices[0].message.content == " Paris is" and r.engine == "llamacpp"
    assert r.system_fingerprint == "b1-0c1e570" and r.usage.prompt_tokens_details == {"cached_tokens": 0}
    assert paths(fake, "llamacpp-chat") == [("GET", "/info"), ("GET", "/v1/models"), ("GET", "/props"), ("POST", "/v1/chat/completions")]
    assert r.exchanges[-1].engine == "llama.cpp b1-0c1e570"
    assert fake.seen("/endpoints/llamacpp-chat")[-1].body["model"] == "meta-llama/Llama-2-7b-chat-hf"  # served: no rename


def test_private_llama_cpp_endpoint_token_and_refusal(fake):
    url = fake.endpoint_url("llamacpp-private")
    r = completion(model="tgi", messages=CHAT, api_base=url, api_key="hf_fake_private_endpoint_token", max_tokens=1)
    assert r.choices[0].message.content == " Paris"
    playground.clear_caches()
    with pytest.raises(playground.AuthenticationError) as caught:
        completion(model="tgi", messages=CHAT, api_base=url, api_key="hf_fake_wrong_token")
    assert caught.value.hf_error == "Invalid API Key" and caught.value.error_type == "authentication_error"
    assert "refused the token" in str(caught.value)


def test_sglang_endpoint(fake):
    r = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("sglang-chat"), max_tokens=2)
    assert r.engine == "sglang" and r.choices[0].message.content == " Paris is"


def test_scaled_to_zero_endpoint_is_held_by_its_proxy_from_the_first_probe(fake):
    r = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-cold"), max_tokens=1, wait_for_model=30)
    assert r.choices[0].message.content == " Paris" and r.engine == "vllm"
    assert [e.status for e in r.exchanges] == [404, 200, 200, 200]  # the probe woke it: no 503 on the way
    assert {s.headers.get("x-scale-up-timeout") for s in fake.seen("/endpoints/vllm-cold")} == {"30"}  # probes too


def test_scaled_to_zero_endpoint_answering_503_is_waited_for_and_then_probed(fake):
    waits = []
    r = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-cold-no-hold"), max_tokens=1, on_wait=waits.append, wait_for_model=30)
    assert r.choices[0].message.content == " Paris"
    assert [(e.purpose.split(",")[0], e.status) for e in r.exchanges] == [
        ("task look-up (GET /info)", 503), ("task look-up (GET /info)", 404), ("engine look-up (GET /v1/models)", 200),
        ("engine version (GET /version)", 200), ("chat", 200)]
    assert fake.seen("/endpoints/vllm-cold-no-hold")[-1].body["model"] == "meta-llama/Llama-3.1-8B-Instruct"  # learnt after waking: not "tgi"
    assert waits and all(w.scaling_up for w in waits) and waits[0].budget == 30


def test_an_endpoint_still_starting_is_retried_after_1_s_then_2_s_unless_it_says_when(fake):
    """Its 503 carries no estimate: the pauses grow 1, 2, 4, 5 s; a Retry-After is followed instead."""
    starting = {"error": "Service Unavailable"}
    fake.script("/endpoints/vllm-chat/v1/chat/completions", Reply(503, starting), Reply(503, starting),
                Reply(503, starting, headers={"retry-after": "1"}))
    waits, seen = [], []

    def on_wait(status):
        waits.append(status)
        seen.append(status.exchanges[-1].status)  # the wire so far, as the status arrives

    r = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), max_tokens=1, on_wait=on_wait, wait_for_model=30)
    assert r.choices[0].message.content
    # one status a second of waiting: pauses of 1 s, 2 s, then the 1 s the server asked for
    assert [(w.retry_in, w.estimated_time, w.waited) for w in waits] == [(1.0, 1.0, 0.0), (2.0, 2.0, 1.0), (1.0, 1.0, 2.0), (1.0, 1.0, 3.0)]
    assert all((w.model, w.budget, w.scaling_up) == ("tgi", 30, True) for w in waits)
    assert seen == [503] * 4
    assert r.exchanges[-1].purpose == "chat, retry after the endpoint started for 4 s"


def test_an_endpoint_still_asleep_after_the_wait_says_how_long_it_waited(fake):
    asleep = Reply(503, {"error": "Service Unavailable"})
    fake.script("/endpoints/vllm-chat/info", asleep, asleep, asleep)
    with pytest.raises(playground.ServiceUnavailableError) as caught:
        completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), wait_for_model=1)
    assert str(caught.value).startswith(f"The endpoint at {fake.endpoint_url('vllm-chat')}/info was still unavailable after 1.0 s of waiting")
    assert [e.status for e in caught.value.exchanges] == [503, 503]  # the probe, then its one retry: no chat was guessed


def test_scaled_to_zero_without_a_wait_says_so(fake):
    with pytest.raises(playground.ServiceUnavailableError, match="scaled to zero"):
        completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-cold"), wait_for_model=False)
    assert all("x-scale-up-timeout" not in s.headers for s in fake.seen("/endpoints/vllm-cold"))


def test_engines_with_tasks_they_do_not_serve_are_refused_before_sending(fake):
    url = fake.endpoint_url("vllm-chat")
    with pytest.raises(playground.BadRequestError, match="vLLM, which serves chat and text generation only"):
        completion(model="tgi", messages=CHAT, api_base=url, task="question-answering", context="x")
    assert not any(s.method == "POST" for s in fake.seen("/endpoints/vllm-chat"))


@pytest.mark.parametrize("name, engine, version", [("vllm-chat", "vllm", "0.11.0"), ("llamacpp-chat", "llamacpp", "b1-0c1e570"), ("sglang-chat", "sglang", None)])
def test_the_endpoint_check_finds_todays_engines_healthy(fake, name, engine, version):
    report = playground.check_endpoint("tgi", api_base=fake.endpoint_url(name))
    assert report.healthy and report.level == "ok", report.findings
    assert report.facts["engine"] == engine and report.facts.get("version") == version
    sentences = " ".join(f.sentence for f in report.findings)
    assert "serves" in sentences and "the playground can chat with this endpoint" in sentences
    assert report.exchanges[-1].url.endswith("/v1/chat/completions") and report.exchanges[-1].status == 200


def test_the_endpoint_check_of_a_base_model_on_vllm_uses_text_completions(fake):
    report = playground.check_endpoint("meta-llama/Llama-2-7b-hf", api_base=fake.endpoint_url("vllm-base"))
    assert report.healthy and report.route == "text-generation"
    assert [e.url.rsplit("/", 2)[-2:] for e in report.exchanges[-2:]] == [["chat", "completions"], ["v1", "completions"]]


def test_async_twin_on_an_engine(fake):
    async def main():
        stream = await playground.acompletion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("llamacpp-chat"), max_tokens=3, stream=True)
        return [c async for c in stream], stream

    chunks, stream = asyncio.run(main())
    assert stream.engine == "llamacpp"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == " Paris is the"


# --- the fake checked against the real llama-server's bytes ---------------------------------


@pytest.mark.parametrize("route", ["/info", "/generate", "/generate_stream", "/"])
def test_fake_llama_cpp_answers_tgi_routes_as_the_real_one(fake, route):
    import httpx

    status, body = sample("GET /info (TGI route) -> 404")
    method = "GET" if route == "/info" else "POST"
    reply = httpx.request(method, fake.endpoint_url("llamacpp-chat") + route, json=None if method == "GET" else {"inputs": "x"})
    assert reply.status_code == status and reply.text == body
    assert reply.headers["server"] == "llama.cpp"


def test_fake_llama_cpp_shapes_match_the_recording(fake):
    import httpx

    url = fake.endpoint_url("llamacpp-chat")
    _, models = sample("GET /v1/models")
    recorded, ours = json.loads(models), httpx.get(url + "/v1/models").json()
    assert set(recorded) == set(ours) and set(recorded["data"][0]) == set(ours["data"][0])
    assert ours["data"][0]["owned_by"] == "llamacpp"
    _, answer = sample("POST /v1/chat/completions (non-stream)")
    ours = httpx.post(url + "/v1/chat/completions", json={"messages": CHAT, "max_tokens": 3}).json()
    assert set(json.loads(answer)) == set(ours) and set(json.loads(answer)["choices"][0]) == set(ours["choices"][0])
    _, stream = sample("POST /v1/chat/completions (stream, stream_options.include_usage)")
    recorded_events = [json.loads(line[6:]) for line in stream.splitlines() if line.startswith("data: {")]
    with httpx.stream("POST", url + "/v1/chat/completions", json={"messages": CHAT, "max_tokens": 2, "stream": True, "stream_options": {"include_usage": True}}) as reply:
        lines = [line for line in reply.iter_lines() if line]
    ours_events = [json.loads(line[6:]) for line in lines if line.startswith("data: {")]
    assert lines[-1] == "data: [DONE]"
    assert recorded_events[0]["choices"][0]["delta"] == ours_events[0]["choices"][0]["delta"] == {"role": "assistant", "content": None}
    assert recorded_events[-1]["choices"] == ours_events[-1]["choices"] == [] and "usage" in ours_events[-1]
    assert recorded_events[-2]["choices"][0]["delta"] == ours_events[-2]["choices"][0]["delta"] == {}
    status, refused = sample("Wrong Authorization -> 401")
    reply = httpx.post(fake.endpoint_url("llamacpp-private") + "/v1/chat/completions", json={"messages": CHAT}, headers={"Authorization": "Bearer hf_wrongtoken"})
    assert (reply.status_code, reply.text) == (status, refused)


def test_a_forced_route_to_an_endpoint_still_asleep_says_so(fake):
    # task= skips the task look-up, not the engine's: an endpoint asleep on its first probe is reported, never guessed at.
    with pytest.raises(playground.ServiceUnavailableError, match="scaled to zero"):
        completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-cold-no-hold"), task="text-generation", wait_for_model=False)
    assert [s.path.rsplit("/", 1)[-1] for s in fake.seen("/endpoints/vllm-cold-no-hold")] == ["info"]
    r = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-cold-no-hold"), task="text-generation", max_tokens=1)
    assert r.engine == "vllm" and fake.seen("/endpoints/vllm-cold-no-hold")[-1].path.endswith("/v1/completions")


def test_text_completions_on_an_openai_engine_stream_and_fail_like_chat(fake):
    """A base model on vLLM gets /v1/completions: streamed, it says its route; refused, it is
    the typed error with its sentence and the exchanges of the call."""
    url = fake.endpoint_url("vllm-base")
    stream = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=url, max_tokens=3, stream=True)
    assert stream.route == "text-generation" and "".join(c.choices[0].delta.get("content") or "" for c in stream if c.choices)
    refusal = {"object": "error", "message": "max_tokens must be at least 1, got -1.", "type": "BadRequestError", "param": None, "code": 400}
    fake.script("/endpoints/vllm-base/v1/completions", Reply(400, refusal))
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=url, max_tokens=3)
    assert str(caught.value) == (f"The endpoint at {url}/v1/completions refused the request (HTTP 400: max_tokens must be at least 1, "
                                 "got -1.): check the parameters in the request shown with it.")
    assert caught.value.exchanges[-1].url == f"{url}/v1/completions" and caught.value.exchanges[-1].engine == "vLLM 0.11.0"
    restarting = Reply(503, {"object": "error", "message": "Service Unavailable", "type": "ServiceUnavailableError", "code": 503})
    fake.script("/endpoints/vllm-base/v1/completions", restarting, restarting)
    seen = []
    with pytest.raises(playground.ServiceUnavailableError) as caught:
        completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=url, max_tokens=3, wait_for_model=1,
                   on_wait=lambda status: seen.append(status.exchanges[-1].status))
    assert "was still unavailable after 1.0 s of waiting" in str(caught.value) and seen == [503]
