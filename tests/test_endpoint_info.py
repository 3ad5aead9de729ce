"""What a dedicated endpoint's ``/info`` (TGI) teaches, and what its absence does: odd values
ignored, the task assumed text generation when TGI does not say, a server with neither /info
nor a model list taken as a task container (and remembered), one that answers neither clearly
asked again next time; a slow Hub never holds a chat past the connect limit."""

import asyncio

import pytest

import playground
from test_engine_detection import ANSWER, CHAT, Engine

QA_ANSWER = {"answer": "Paris", "score": 0.9, "start": 0, "end": 5}


def info_of(body, status=200):
    server = Engine({"/info": (status, body), "/v1/chat/completions": (200, ANSWER)})
    info = playground.resolve_route("", api_base=server.url)
    return info, server


def test_tgi_info_with_odd_values_still_says_tgi_and_text_generation():
    info, _ = info_of({"model_id": 7, "version": 3.2, "model_pipeline_tag": None})
    assert (info.engine, info.task, info.source, info.engine_version, info.served_model) == ("tgi", "text-generation", "endpoint /info",
                                                                                           None, None)
    info, _ = info_of({"model_id": "org/m", "version": "3.3.4", "model_pipeline_tag": "text2text-generation"})
    assert (info.task, info.engine_version, info.served_model) == ("text2text-generation", "3.3.4", "org/m")


@pytest.mark.parametrize(("status", "body"), [(500, {"model_id": "org/m", "version": "3.3.4"}), (200, ["not", "an", "object"])])
def test_an_info_that_is_not_an_answer_teaches_nothing_and_is_asked_again(status, body):
    info, server = info_of(body, status)
    assert info.source is None and info.engine is None
    playground.resolve_route("", api_base=server.url)
    assert [path for _, path, _, _ in server.seen].count("/info") == 2  # not remembered


@pytest.mark.parametrize(("info_status", "models_status"), [(404, 404), (405, 405), (404, 405), (405, 404)])
def test_neither_info_nor_a_model_list_is_a_task_container_remembered(info_status, models_status):
    server = Engine({"/info": (info_status, {"detail": "Not Found"}), "/v1/models": (models_status, {"detail": "Method Not Allowed"}),
                     "/": (200, QA_ANSWER)})
    for _ in range(2):
        answer = playground.completion(model="deepset/roberta-base-squad2", messages=CHAT, api_base=server.url,
                                       task="question-answering", context="Paris is the capital of France.")
        assert answer.choices[0].message.content == "Paris"
        assert answer.engine == "container"
    assert [path for method, path, _, _ in server.seen if method == "GET"] == ["/info", "/v1/models"]  # learnt once
    report = playground.check_endpoint("deepset/roberta-base-squad2", api_base=server.url, task="question-answering")
    assert any("task container" in finding.sentence for finding in report.findings), [f.sentence for f in report.findings]


def test_a_model_list_that_fails_otherwise_is_asked_again():
    server = Engine({"/v1/models": (500, {"detail": "boom"}), "/": (200, QA_ANSWER)})
    for _ in range(2):
        answer = playground.completion(model="m", messages=CHAT, api_base=server.url, task="question-answering", context="Paris.")
        assert answer.engine is None  # not known yet: neither a task container nor an OpenAI server
    assert [path for method, path, _, _ in server.seen if method == "GET"] == ["/info", "/v1/models"] * 2


def test_a_slow_hub_gives_up_at_the_connect_limit(monkeypatch, fake):
    llama = "meta-llama/Llama-3.1-8B-Instruct"
    hub = Engine({f"/api/models/{llama}?expand=pipeline_tag&expand=tags&expand=inferenceProviderMapping": "stall"})
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("PLAYGROUND_CONNECT_TIMEOUT", "0.3")
    monkeypatch.setenv("PLAYGROUND_READ_TIMEOUT", "30")
    answer = playground.completion(model=llama, messages=CHAT, max_tokens=2, api_key="hf_fake_valid_user_token")  # on, without the Hub
    assert answer.choices[0].message.content
    assert answer.exchanges[0].error == "timed out after 0.3 s (ReadTimeout)"


@pytest.mark.parametrize("odd_tag", [42, ["text-generation"], {"task": "text-generation"}])
def test_a_hub_pipeline_tag_that_is_not_text_is_taken_as_unknown(monkeypatch, fake, odd_tag):
    llama = "meta-llama/Llama-3.1-8B-Instruct"
    hub = Engine({f"/api/models/{llama}?expand=pipeline_tag&expand=tags&expand=inferenceProviderMapping": (200, {"pipeline_tag": odd_tag})})
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    info = playground.resolve_route(llama, api_key="hf_fake_valid_user_token")
    assert (info.task, info.source) == (None, "hub")
    answer = playground.completion(model=llama, messages=CHAT, max_tokens=2, api_key="hf_fake_valid_user_token")
    assert answer.choices[0].message.content


def test_the_server_an_endpoint_named_is_reported_when_task_is_given():
    server = Engine({"/info": (200, {"model_id": "org/m", "version": "3.3.4", "model_pipeline_tag": "text-generation"}),
                     "/": (200, [{"generated_text": "Hello"}]), "/generate": (200, {"generated_text": "Hello"})})
    answer = playground.completion(model="", messages=CHAT, api_base=server.url, task="text-generation")
    assert answer.choices[0].message.content == "Hello"
    assert (answer.engine, answer.exchanges[-1].engine) == ("tgi", "TGI 3.3.4")
    assert playground.resolve_route("", api_base=server.url, task="text-generation").engine == "tgi"


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_task_container_answer_streamed_says_its_server(mode):
    server = Engine({"/": (200, QA_ANSWER)})
    kwargs = {"model": "m", "messages": CHAT, "api_base": server.url, "task": "question-answering", "context": "Paris.", "stream": True}
    if mode == "sync":
        stream = playground.completion(**kwargs)
        facts, text = (stream.engine, stream.task), [c.choices[0].delta.get("content") or "" for c in stream if c.choices]
    else:
        async def run():
            stream = await playground.acompletion(**kwargs)
            return (stream.engine, stream.task), [c.choices[0].delta.get("content") or "" async for c in stream if c.choices]

        facts, text = asyncio.run(run())
    assert facts == ("container", "question-answering") and "".join(text) == "Paris"


def test_a_failed_generation_still_names_the_server_that_failed():
    server = Engine({"/info": (200, {"model_id": "org/m", "version": "3.3.4", "model_pipeline_tag": "text-generation"}),
                     "/": (500, {"error": "CUDA out of memory", "error_type": "generation"})})
    with pytest.raises(playground.APIError) as caught:
        playground.completion(model="", messages=CHAT, api_base=server.url, task="text-generation")
    assert caught.value.exchanges[-1].engine == "TGI 3.3.4"  # the wire view names who failed


@pytest.mark.parametrize(("body", "text"), [({"generated_text": "Hello"}, "Hello"), ([{"generated_text": "Hello"}], "Hello"), ([], None)])
def test_a_text_generation_reply_as_an_object_a_list_or_nothing(body, text):
    server = Engine({"/": (200, body)})
    if text is not None:
        answer = playground.completion(model="m", messages=CHAT, api_base=server.url, task="text-generation")
        assert answer.choices[0].message.content == text
        return
    with pytest.raises(playground.APIError) as caught:
        playground.completion(model="m", messages=CHAT, api_base=server.url, task="text-generation")
    assert str(caught.value) == ("The endpoint's reply is not generated text: check that the URL points at a model server "
                                 "of that kind; the full reply is in the payload view.")
