"""Route choice and fallbacks, on the wire against the fake."""

import asyncio

import pytest

import playground
from fakehf import recorded
from playground import completion

CHAT = [{"role": "user", "content": "Tell me about Paris."}]


def endpoint_paths(fake, prefix):
    return [(call.method, call.path) for call in fake.seen(prefix)]


def test_chat_model_on_serverless_uses_chat_completions_with_the_model_id(fake):
    r = completion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT, max_tokens=5)
    assert r.route == "chat"
    assert r.choices[0].message.content == " Paris is the capital of"
    assert r.choices[0].finish_reason == "length"
    assert r.usage == {"prompt_tokens": 4, "completion_tokens": 5, "total_tokens": 9} and not r.usage.estimated
    call = fake.seen("/hf-inference/")[-1]
    assert call.path == "/hf-inference/models/HuggingFaceH4/zephyr-7b-beta/v1/chat/completions"
    assert call.body["model"] == "HuggingFaceH4/zephyr-7b-beta"


def test_base_model_on_serverless_goes_straight_to_text_generation(fake):
    r = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, max_tokens=3)
    assert r.route == "text-generation"
    assert endpoint_paths(fake, "/hf-inference/") == [("POST", "/hf-inference/models/meta-llama/Llama-2-7b-hf")]
    assert r.choices[0].message.content == " Paris is the"
    assert r.usage == {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}  # TGI's x-*-tokens headers


def test_dedicated_endpoint_falls_back_once_then_remembers(fake):
    url = fake.endpoint_url("public-base")
    first = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=url)
    assert [(e.purpose, e.status) for e in first.exchanges] == [
        ("task look-up (GET /info)", 200),
        ("chat", 422),
        ("fallback to text-generation (no chat template)", 200),
    ]
    assert first.exchanges[1].response_body == {"error": "Template error: template not found", "error_type": "template_error"}
    second = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=url)
    assert [e.purpose for e in second.exchanges] == ["text-generation"]
    assert second.choices[0].message.content == first.choices[0].message.content
    assert fake.seen("/api/models/") == []  # /info answered: no Hub look-up


def test_llama2_chat_model_on_text_route_gets_the_llama2_prompt(fake):
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    completion(model="meta-llama/Llama-2-7b-chat-hf", messages=messages, task="text-generation")
    assert fake.seen("/hf-inference/")[-1].body["inputs"] == "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]"


@pytest.mark.parametrize(
    "task, model, path_suffix",
    [
        ("conversational", "HuggingFaceH4/zephyr-7b-beta", "/v1/chat/completions"),
        ("text-generation", "HuggingFaceH4/zephyr-7b-beta", ""),
        ("question-answering", "deepset/roberta-base-squad2", ""),
    ],
)
def test_task_argument_forces_the_route_without_any_lookup(fake, task, model, path_suffix):
    r = completion(model=model, messages=CHAT, task=task, context="Paris is the capital of France.")
    assert fake.seen("/api/models/") == []
    assert endpoint_paths(fake, "/hf-inference/") == [("POST", f"/hf-inference/models/{model}{path_suffix}")]
    assert r.route == ("chat" if task == "conversational" else task)
    info = playground.resolve_route(model, task=task)
    assert (info.route, info.task, info.source) == (r.route, task, "task=")


def test_a_provider_suffix_with_task_says_the_task_came_from_task():
    model = "meta-llama/Llama-3.1-8B-Instruct:together"
    forced = playground.resolve_route(model, task="conversational")
    assert (forced.route, forced.task, forced.source, forced.router) == ("chat", "conversational", "task=", True)
    unforced = playground.resolve_route(model)
    assert (unforced.route, unforced.task, unforced.source, unforced.router) == ("chat", None, None, True)


def test_forced_chat_on_a_model_without_template_is_an_error_not_a_fallback(fake):
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model="google/gemma-2b", messages=CHAT, task="conversational")
    assert caught.value.error_type == "template_error"
    assert len(fake.seen("/hf-inference/")) == 1


@pytest.mark.parametrize(
    "model, route, content",
    [
        ("google/flan-t5-base", "text2text-generation", "Bonjour le monde"),
        ("facebook/bart-large-cnn", "summarization", "Tell me about Paris."),
        ("Helsinki-NLP/opus-mt-en-fr", "translation", "Bonjour, comment allez-vous ?"),
        ("distilbert/distilbert-base-uncased-finetuned-sst-2-english", "text-classification", "POSITIVE: 0.9999\nNEGATIVE: 0.0001"),
    ],
)
def test_task_models_answer_with_their_output_as_content(fake, model, route, content):
    r = completion(model=model, messages=CHAT)
    assert (r.route, r.choices[0].message.content, r.task) == (route, content, route)
    assert fake.seen("/hf-inference/")[-1].body["inputs"] == "Tell me about Paris."


def test_unsupported_task_is_named_and_nothing_is_sent(fake):
    with pytest.raises(playground.BadRequestError, match="image-classification"):
        completion(model="google/vit-base-patch16-224", messages=CHAT)
    assert fake.seen("/hf-inference/") == []


def test_a_model_that_cannot_chat_is_refused_in_a_sentence_naming_it_or_the_endpoint(fake):
    from test_engine_detection import Engine

    speaks = ("which the playground cannot chat with: it speaks text generation, chat, question answering, summarization, "
              "translation, text2text generation and text classification. Pass task=... if the endpoint serves one of those.")
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model="google/vit-base-patch16-224", messages=CHAT)
    assert str(caught.value) == f"google/vit-base-patch16-224 does image-classification, {speaks}"
    assert caught.value.model == "google/vit-base-patch16-224"
    server = Engine({"/info": (200, {"model_id": "org/vit", "model_pipeline_tag": "image-classification"})})
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model="", messages=CHAT, api_base=server.url)
    assert str(caught.value) == f"This endpoint does image-classification, {speaks}"


def test_unknown_task_argument_is_refused(fake):
    with pytest.raises(playground.BadRequestError, match="task='fill-mask'"):
        completion(model="gpt2", messages=CHAT, task="fill-mask")
    assert fake.requests == []


def test_hub_lookup_happens_once_per_model(fake):
    for _ in range(3):
        completion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT)
    assert len(fake.seen("/api/models/")) == 1


def test_hub_offline_means_no_hub_request(fake, monkeypatch):
    # No Hub answer: a chat goes to the Inference Providers router (it needs no look-up).
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    r = completion(model="meta-llama/Llama-3.1-8B-Instruct", messages=CHAT, api_key="hf_fake_valid_user_token")
    assert fake.seen("/api/models/") == [] and r.route == "chat"
    assert [e.url for e in r.exchanges] == [f"{fake.router_url}/v1/chat/completions"]


def test_non_tgi_dedicated_endpoint_learns_its_task_from_the_hub(fake):
    url = fake.endpoint_url("qa-container")
    r = completion(model="deepset/deberta-v3-large-squad2", messages=CHAT, api_base=url, context="The capital of France is Paris.")
    assert r.choices[0].message.content == "Paris"
    assert [(e.purpose, e.status) for e in r.exchanges] == [
        ("task look-up (GET /info)", 404),
        ("engine look-up (GET /v1/models)", 404),  # not an OpenAI-compatible engine either: a task container
        ("task look-up (Hub model API)", 200),
        ("question-answering", 200),
    ]
    assert len(fake.seen("/api/models/")) == 1


def test_transformers_backend_retry_without_the_parameters_it_refuses(fake):
    path = "/hf-inference/models/gpt2"
    fake.script(path, recorded("tg_400_non_tgi_model_kwargs"), recorded("tg_non_tgi_retry_ok"))
    r = completion(model="gpt2", messages=[{"role": "user", "content": "0 1 2"}], task="text-generation", stop=["\n\n"], watermark=True)
    assert r.choices[0].message.content == " 3 4 5 6 7 8 9 10 11 12"
    first, second = (call.body["parameters"] for call in fake.seen(path))
    assert "stop" in first and "watermark" in first
    assert "stop" not in second and "watermark" not in second
    assert [e.purpose for e in r.exchanges] == ["text-generation", "retry without stop, watermark"]


def test_hf_only_parameters_reach_the_text_route(fake):
    completion(model="gpt2", messages=CHAT, task="text-generation", top_k=5, repetition_penalty=1.2, do_sample=True)
    params = fake.seen("/hf-inference/")[-1].body["parameters"]
    assert (params["top_k"], params["repetition_penalty"], params["do_sample"]) == (5, 1.2, True)


def test_litellm_spellings_are_accepted(fake):
    r = completion(model="huggingface/HuggingFaceH4/zephyr-7b-beta", messages=CHAT, custom_llm_provider="huggingface",
                   max_completion_tokens=2, metadata={"a": 1}, num_retries=2)
    assert r.choices[0].message.content == " Paris is"
    assert fake.seen("/hf-inference/")[-1].path.endswith("/HuggingFaceH4/zephyr-7b-beta/v1/chat/completions")


def test_other_providers_are_refused_before_sending(fake):
    with pytest.raises(playground.BadRequestError, match='custom_llm_provider="huggingface"'):
        completion(model="gpt-4o", messages=CHAT, custom_llm_provider="openai")
    assert fake.requests == []


def test_unknown_keyword_is_a_type_error(fake):
    with pytest.raises(TypeError, match="temprature"):
        completion(model="gpt2", messages=CHAT, temprature=0.5)


def test_answer_reads_both_ways_and_serialises(fake):
    import json

    r = completion(model="HuggingFaceH4/zephyr-7b-beta", messages=CHAT, max_tokens=2)
    assert r.choices[0].message.content == r["choices"][0]["message"]["content"]
    assert r.id.startswith("chatcmpl-") and isinstance(r.created, int) and r.model == "HuggingFaceH4/zephyr-7b-beta"
    assert json.loads(json.dumps(r))["usage"]["total_tokens"] == r.usage.total_tokens
    assert r.timings["total_time"] >= r.timings["time_to_first_byte"] > 0


def test_resolve_route_tells_the_app_what_a_model_does(fake):
    info = playground.resolve_route("deepset/deberta-v3-large-squad2")
    assert (info.route, info.task, info.source) == ("question-answering", "question-answering", "hub")
    dedicated = playground.resolve_route("x", api_base=fake.endpoint_url("public-base"))
    assert (dedicated.route, dedicated.task, dedicated.source) == ("chat", "text-generation", "endpoint /info")
    assert [e.purpose for e in dedicated.exchanges] == ["task look-up (GET /info)"]
    assert fake.seen("/hf-inference/") == []  # nothing generated
    with pytest.raises(playground.BadRequestError, match="image-classification"):
        playground.resolve_route("google/vit-base-patch16-224")


def test_endpoint_without_info_is_sent_text_generation_even_for_a_chat_model(fake):
    url = fake.endpoint_url("chat-container")  # the default container of Inference Endpoints: no /info, no chat route
    r = completion(model="meta-llama/Llama-2-7b-chat-hf", messages=CHAT, api_base=url, max_tokens=3)
    assert r.route == "text-generation" and r.choices[0].message.content == " Paris is the"
    assert [e.status for e in r.exchanges] == [404, 404, 200, 200]  # /info, /v1/models, Hub, text generation: no chat attempt
    assert fake.seen("/endpoints/chat-container")[-1].body["inputs"] == "[INST] Tell me about Paris. [/INST]"


def test_the_async_route_look_up_learns_the_same_as_the_sync_one(fake):
    cases = [("deepset/deberta-v3-large-squad2", None), ("x", fake.endpoint_url("public-base")), ("", fake.endpoint_url("vllm-chat"))]

    def facts(info):
        return (info.route, info.task, info.source, info.engine, info.served_model, [e.purpose for e in info.exchanges])

    sync = [facts(playground.resolve_route(model, api_base=base)) for model, base in cases]
    playground.clear_caches()

    async def look_up():
        return [facts(await playground.aresolve_route(model, api_base=base)) for model, base in cases]

    assert asyncio.run(look_up()) == sync
    assert sync[1][:3] == ("chat", "text-generation", "endpoint /info") and sync[2][3:5] == ("vllm", "llama-3-1-8b-instruct-xyz")

    async def refused():
        await playground.aresolve_route("google/vit-base-patch16-224")

    with pytest.raises(playground.BadRequestError, match="image-classification"):
        asyncio.run(refused())
