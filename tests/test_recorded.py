"""Real recorded replies, served verbatim by the fake, read correctly by the client."""

import json

import pytest

import playground
from fakehf import RECORDED, recorded
from playground import completion

ASK = [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "What is deep learning?"}]


def body(name):
    raw = RECORDED[name]["response"]["body"]
    return raw if isinstance(raw, str) else json.dumps(raw)


def stream_texts(name, key):
    """What the recorded stream says, read independently of the library: tokens or deltas."""
    texts = []
    for line in body(name).splitlines():
        if line.startswith("data:") and "[DONE]" not in line:
            event = json.loads(line[5:])
            if key == "token" and not event["token"]["special"]:
                texts.append(event["token"]["text"])
            elif key == "delta":
                texts.append(event["choices"][0]["delta"].get("content") or "")
    return "".join(texts)


def text_of(stream):
    return "".join(chunk.choices[0].delta.get("content") or "" for chunk in stream)


def serve(fake, name, model, chat=False):
    fake.script(f"/hf-inference/models/{model}" + ("/v1/chat/completions" if chat else ""), recorded(name))


@pytest.mark.parametrize("name", ["tg_stream_llama2_7b_hf", "tg_stream_tgi3_llama32"])
def test_recorded_text_streams(fake, name):
    model = RECORDED[name]["request"]["url"].split("/models/")[1]
    serve(fake, name, model)
    stream = completion(model=model, messages=[{"role": "user", "content": "Please answer the following question: complete one two and ____."}],
                        stream=True, task="text-generation")
    got = text_of(stream)
    final = json.loads(body(name).strip().splitlines()[-1][5:])
    prompt = json.loads(RECORDED[name]["request"]["body"])["inputs"]
    assert got == stream_texts(name, "token") == final["generated_text"][len(prompt):]  # the prompt is not repeated
    assert "</s>" not in got


@pytest.mark.parametrize("name", ["chat_stream_tgi3", "chat_stream_tgi1"])
def test_recorded_chat_streams(fake, name):
    model = RECORDED[name]["request"]["url"].split("/models/")[1].removesuffix("/v1/chat/completions")
    serve(fake, name, model, chat=True)
    chunks = list(completion(model=model, messages=ASK, stream=True, task="conversational"))
    assert text_of(chunks) == stream_texts(name, "delta")
    assert text_of(chunks).startswith("Deep learning is a sub")
    assert chunks[-1].choices[0].finish_reason == "length"


@pytest.mark.parametrize(
    "name, usage",
    [("chat_nonstream_tgi3", (46, 579)), ("chat_nonstream_tgi1", (47, 20))],
)
def test_recorded_chat_answers(fake, name, usage):
    model = RECORDED[name]["request"]["url"].split("/models/")[1].removesuffix("/v1/chat/completions")
    serve(fake, name, model, chat=True)
    r = completion(model=model, messages=ASK, task="conversational")
    assert r.choices[0].message.content == json.loads(body(name))["choices"][0]["message"]["content"]
    assert (r.usage.prompt_tokens, r.usage.completion_tokens) == usage and not r.usage.estimated


@pytest.mark.parametrize(
    "name, task, content, finish",
    [
        ("tg_plain_no_details", "text-generation", "", "stop"),
        ("tg_details_true", "text-generation", "", "length"),  # generated_text is "", whatever the tokens
        ("tg_stream_details_single_token", "text-generation", " ", "length"),
        ("qa_router_inputs_dict", "question-answering", "Paris", "stop"),
        ("qa_legacy_flat_payload", "question-answering", "42", "stop"),
        ("serverless_retry_with_wait_for_model", "text-classification", "POSITIVE: 0.9999\nNEGATIVE: 0.0001", "stop"),
        ("conversational_legacy_task", "text2text-generation", "I am the one who knocks.", "stop"),
    ],
)
def test_recorded_task_answers(fake, name, task, content, finish):
    model = RECORDED[name]["request"]["url"].split("/models/")[-1]
    serve(fake, name, model)
    stream = "stream" in name
    r = completion(model=model, messages=[{"role": "user", "content": "test"}], task=task, context="ctx", stream=stream)
    if stream:
        chunks = list(r)
        assert (text_of(chunks), chunks[-1].choices[0].finish_reason) == (content, finish)
    else:
        assert (r.choices[0].message.content, r.choices[0].finish_reason) == (content, finish)


def test_recorded_template_error_falls_back_to_text_generation(fake, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the task unknown: chat is tried first (on the hf-inference API, pinned)
    serve(fake, "chat_422_template_error", "google/gemma-2b", chat=True)
    r = completion(model="huggingface/hf-inference/google/gemma-2b", messages=[{"role": "user", "content": "Complete the equation 1+1= ,just the answer"}], max_tokens=3)
    assert [e.status for e in r.exchanges] == [422, 200] and r.route == "text-generation"


def test_recorded_chat_payload_sent_to_the_text_route(fake):
    serve(fake, "chat_payload_to_base_url_422", "mistralai/Mistral-7B-Instruct-v0.2")
    with pytest.raises(playground.BadRequestError, match="missing field `inputs`"):
        completion(model="mistralai/Mistral-7B-Instruct-v0.2", messages=[{"role": "user", "content": "x"}], task="text-generation")


@pytest.mark.parametrize("content_type, status", [
    ("application/json", 200), ("Application/JSON; charset=utf-8", 200), ("text/plain", 415), (None, 415),
])
def test_the_fake_tgi_reads_a_body_only_when_it_is_labelled_json_as_tgi_does(fake, content_type, status):
    """The library's requests pass this check in every TGI test; a request with another
    Content-Type gets axum's refusal, as from a real TGI."""
    import httpx

    headers = {"content-type": content_type} if content_type else {}
    body = json.dumps({"inputs": "Hi", "parameters": {"max_new_tokens": 2}}).encode()
    reply = httpx.post(fake.endpoint_url("public-base") + "/generate", content=body, headers=headers)
    assert reply.status_code == status
    if status == 415:
        assert reply.text == "Expected request with `Content-Type: application/json`"
