"""The default endpoint today: Inference Providers through the router, hf-inference for task models."""

import asyncio
import json
import socket

import pytest

import playground
from fakehf import NO_CREDITS_TOKEN, NO_PROVIDERS_TOKEN, PROVIDER_RECORDED, Reply
from playground import completion

TOKEN = "hf_fake_valid_user_token"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
CHAT = [{"role": "user", "content": "Tell me about Paris."}]
ROUTER_CHAT = "/v1/chat/completions"


def router_calls(fake):
    return [seen for seen in fake.requests if seen.path == ROUTER_CHAT]


def test_a_chat_model_some_provider_serves_goes_to_the_router_with_its_id(fake):
    r = completion(model=LLAMA, messages=CHAT, api_key=TOKEN)
    assert r.choices[0].message.content.startswith(" Paris is the capital")
    [sent] = router_calls(fake)
    assert sent.body["model"] == LLAMA and list(sent.body)[0] == "model"  # first: the router routes on a prefix of the body
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert fake.seen("/hf-inference/") == []
    assert r.provider == "cerebras" == r.exchanges[-1].provider  # the fake's fastest, from x-inference-provider
    assert r.route == "chat"
    completion(model=LLAMA, messages=CHAT, api_key=TOKEN)
    assert len(fake.seen("/api/models/")) == 1  # the provider mapping is learnt once per model


@pytest.mark.parametrize(
    "model, sent, provider",
    [
        (f"{LLAMA}:together", f"{LLAMA}:together", "together"),
        (f"{LLAMA}:cheapest", f"{LLAMA}:cheapest", "novita"),
        (f"{LLAMA}:fastest", f"{LLAMA}:fastest", "cerebras"),
        (f"{LLAMA}:preferred", f"{LLAMA}:preferred", "together"),
        (f"huggingface/novita/{LLAMA}", f"{LLAMA}:novita", "novita"),  # LiteLLM's spelling
        (f"huggingface/{LLAMA}:together", f"{LLAMA}:together", "together"),
    ],
)
def test_suffixes_and_policies_pass_through_without_a_hub_look_up(fake, model, sent, provider):
    r = completion(model=model, messages=CHAT, api_key=TOKEN)
    assert [s.body["model"] for s in router_calls(fake)] == [sent]
    assert fake.seen("/api/models/") == []
    assert r.provider == provider


def test_pinned_provider_is_the_answers_provider_when_the_router_does_not_name_one(fake):
    answer = json.loads(json.dumps(PROVIDER_RECORDED["router-provider-route-together-chat-nonstream"]["response"]["body"]))
    fake.script(ROUTER_CHAT, Reply(200, answer))
    r = completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN)
    assert r.provider == "together" and r.exchanges[-1].provider == "together"
    assert r.exchanges[-1].to_dict()["provider"] == "together"


def test_hf_inference_keeps_task_models_and_the_litellm_hf_inference_spelling(fake):
    question = [{"role": "system", "content": "The capital of France is Paris."}, {"role": "user", "content": "What is the capital of France?"}]
    r = completion(model="deepset/roberta-base-squad2", messages=question)
    assert r.choices[0].message.content == "Paris" and r.provider == "hf-inference"
    r = completion(model="huggingface/hf-inference/deepset/roberta-base-squad2", messages=question)
    assert r.choices[0].message.content == "Paris"
    r = completion(model="huggingface/hf-inference/deepset/roberta-base-squad2:fastest", messages=question)  # a policy means nothing here
    assert r.choices[0].message.content == "Paris"
    assert router_calls(fake) == []
    assert {s.path for s in fake.seen("/hf-inference/")} == {"/hf-inference/models/deepset/roberta-base-squad2"}


def test_without_a_hub_answer_a_chat_goes_to_the_router(fake, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{dead}")
    r = completion(model=LLAMA, messages=CHAT, api_key=TOKEN)
    assert [e.purpose for e in r.exchanges] == ["task look-up (Hub model API)", "chat"]
    assert r.exchanges[0].status is None and r.exchanges[1].url.endswith("/v1/chat/completions")


def test_a_chat_model_no_provider_serves_gets_the_routers_sentence(fake):
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model="Qwen/Qwen2.5-VL-7B-Instruct", messages=CHAT, api_key=TOKEN)
    error = caught.value
    assert error.code == "model_not_supported" and error.status_code == 400
    assert "No provider you have enabled serves Qwen/Qwen2.5-VL-7B-Instruct" in str(error)
    assert "hf.co/settings/inference-providers" in str(error)


def test_model_not_supported_names_the_providers_that_serve_the_model(fake):
    body = {"error": {"message": f"The requested model '{LLAMA}' is not supported by any provider you have enabled.",
                      "type": "invalid_request_error", "param": "model", "code": "model_not_supported"}}
    fake.script(ROUTER_CHAT, Reply(400, body))
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model=LLAMA, messages=CHAT, api_key=TOKEN)
    advice = str(caught.value).split("): ", 1)[1]  # what follows the server's own words
    assert advice.startswith("pick one of together, novita, cerebras (as")  # live ones from the Hub's mapping
    assert "fireworks-ai" not in advice  # in error on the Hub: not offered


def test_a_pinned_provider_that_does_not_serve_the_model_says_to_drop_the_suffix(fake):
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model=f"{LLAMA}:groq", messages=CHAT, api_key=TOKEN)
    assert str(caught.value).startswith(f"groq does not serve {LLAMA} for you") and "drop the :groq suffix" in str(caught.value)


@pytest.mark.parametrize(
    "api_key, kind, words",
    [
        (False, playground.AuthenticationError, "Inference Providers need a Hugging Face token"),
        ("hf_fake_not_a_real_token", playground.AuthenticationError, "refused the token"),
        (NO_CREDITS_TOKEN, playground.PaymentRequiredError, "credits for Inference Providers are used up"),
        (NO_PROVIDERS_TOKEN, playground.PermissionDeniedError, '"Make calls to Inference Providers" permission'),
    ],
)
def test_router_refusals_are_typed_errors_with_what_to_do(fake, api_key, kind, words):
    with pytest.raises(kind) as caught:
        completion(model=LLAMA, messages=CHAT, api_key=api_key)
    assert words in str(caught.value)
    assert type(caught.value) is kind  # not a more general class
    assert caught.value.exchanges[-1].url.endswith("/v1/chat/completions")


def test_credits_error_says_where_to_buy_or_subscribe(fake):
    with pytest.raises(playground.PaymentRequiredError) as caught:
        completion(model=LLAMA, messages=CHAT, api_key=NO_CREDITS_TOKEN)
    assert "https://huggingface.co/settings/billing" in str(caught.value) and "PRO" in str(caught.value)
    assert caught.value.status_code == 402


def test_rate_limit_and_relayed_provider_failures(fake):
    fake.script(ROUTER_CHAT, Reply(429, {"error": "Too many requests"}, headers={"retry-after": "7"}))
    with pytest.raises(playground.RateLimitError) as caught:
        completion(model=LLAMA, messages=CHAT, api_key=TOKEN)
    assert caught.value.retry_after == 7 and "wait 7 s" in str(caught.value)

    relayed = PROVIDER_RECORDED["router-provider-route-together-500-relayed-error"]["response"]
    fake.script(ROUTER_CHAT, Reply(500, relayed["body"], headers={"x-inference-provider": "together", "retry-after": "1"}))
    with pytest.raises(playground.InternalServerError) as caught:
        completion(model=LLAMA, messages=CHAT, api_key=TOKEN)
    assert str(caught.value).startswith("The provider together failed while answering")
    assert caught.value.hf_error == "Internal server error" and caught.value.error_type == "server_error"
    assert caught.value.exchanges[-1].provider == "together"  # the wire view names who failed


@pytest.mark.parametrize("body", [{"error": "Model is overloaded"}, {"error": {"message": "Model is overloaded", "type": "server_error", "code": None}}])
def test_both_router_error_shapes_read_the_same(fake, body):
    fake.script(ROUTER_CHAT, Reply(502, body))
    with pytest.raises(playground.InternalServerError) as caught:
        completion(model=LLAMA, messages=CHAT, api_key=TOKEN)
    assert caught.value.hf_error == "Model is overloaded" and "(HTTP 502: Model is overloaded)" in str(caught.value)


def test_bill_to_goes_to_inference_providers_only(fake):
    completion(model=LLAMA, messages=CHAT, api_key=TOKEN, bill_to="my-org")
    assert router_calls(fake)[-1].headers["x-hf-bill-to"] == "my-org"
    assert "x-hf-bill-to" not in fake.seen("/api/models/")[-1].headers  # not to the Hub
    completion(model="gpt2", messages=CHAT, bill_to="my-org")  # hf-inference is billed as a provider too
    assert fake.seen("/hf-inference/models/gpt2")[-1].headers["x-hf-bill-to"] == "my-org"
    completion(model="meta-llama/Llama-2-7b-chat-hf", messages=CHAT, api_base=fake.endpoint_url("private-chat"),
               api_key="hf_fake_private_endpoint_token", bill_to="my-org")
    assert all("x-hf-bill-to" not in s.headers for s in fake.seen("/endpoints/"))
    for bad in ("  ", "Société", "org\nX-Evil: 1"):
        with pytest.raises(playground.BadRequestError, match="bill_to must be"):
            completion(model=LLAMA, messages=CHAT, api_key=TOKEN, bill_to=bad)


def test_router_stream_with_usage_and_provider(fake):
    stream = completion(model=LLAMA, messages=CHAT, api_key=TOKEN, stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    assert stream.provider == "cerebras"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 14 and not chunks[-1].usage.estimated
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == " Paris is the capital of France. It has museums, cafes and parks"
    assert router_calls(fake)[-1].body["stream_options"] == {"include_usage": True}


def test_resolve_route_says_the_router(fake):
    info = playground.resolve_route(LLAMA, api_key=TOKEN)
    assert info.router and info.route == "chat" and info.url == f"{fake.router_url}/v1/chat/completions"
    assert not playground.resolve_route("deepset/roberta-base-squad2").router


def test_list_models_reads_the_routers_catalogue_without_a_token_and_caches_it(fake, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    models = {m.id: m for m in playground.list_models()}
    llama = models[LLAMA]
    assert [p.provider for p in llama.providers] == ["together", "novita", "cerebras", "fireworks-ai"]
    novita = llama.provider("novita")
    assert (novita.status, novita.input_price, novita.output_price, novita.context_length) == ("live", 0.02, 0.05, 16384)
    assert llama.provider("fireworks-ai").status == "error" and not llama.provider("fireworks-ai").live
    assert llama.context_length == 8192 and llama.supports_tools  # the smallest context: the router may pick any
    assert "Qwen/Qwen2.5-VL-7B-Instruct" not in models
    playground.list_models()
    [seen] = fake.seen("/v1/models")
    assert "authorization" not in seen.headers  # the catalogue is public: the token stays home
    asyncio.run(playground.alist_models(refresh=True))
    assert len(fake.seen("/v1/models")) == 2


def test_list_models_refused_or_unreadable_is_a_typed_error(fake):
    fake.script("/v1/models", Reply(503, {"error": "unavailable"}), Reply(200, "<html>hi</html>", "text/html"))
    with pytest.raises(playground.ServiceUnavailableError):
        playground.list_models()
    with pytest.raises(playground.APIError, match="not a model list"):
        playground.list_models()


@pytest.mark.parametrize(
    "name, provider",
    [
        ("router-provider-route-together-chat-nonstream", "together"),
        ("router-provider-route-cerebras-chat-nonstream", "cerebras"),
        ("router-provider-route-together-tool-call-200", "together"),
    ],
)
def test_recorded_provider_answers_read_through_the_router(fake, name, provider):
    response = PROVIDER_RECORDED[name]["response"]
    body = response["body"] if isinstance(response["body"], str) else json.dumps(response["body"])
    fake.script(ROUTER_CHAT, Reply(200, body.encode(), response["headers"].get("Content-Type") or response["headers"].get("content-type")))
    r = completion(model=f"{LLAMA}:{provider}", messages=CHAT, api_key=TOKEN)
    recorded = json.loads(body)
    message = recorded["choices"][0]["message"]
    assert r.choices[0].message.content == message.get("content")
    assert r.choices[0].message.tool_calls == (message.get("tool_calls") or None)  # an empty list reads as none
    assert r.usage.prompt_tokens == recorded["usage"]["prompt_tokens"] and not r.usage.estimated
    assert r.id == recorded["id"]


@pytest.mark.parametrize(
    "name",
    ["router-provider-route-together-chat-stream-sse", "router-provider-route-novita-chat-stream-sse",
     "router-provider-route-together-stream-deepseek-r1-think-tags", "router-hf-inference-chat-stream-sse-tgi"],
)
def test_recorded_provider_streams_read_through_the_router(fake, name):
    response = PROVIDER_RECORDED[name]["response"]
    lines = response.get("sse_lines") or response["body"].splitlines()
    raw = "".join(line + "\n" for line in lines if line.strip()).replace("\n", "\n\n")
    fake.script(ROUTER_CHAT, Reply(200, raw.encode(), "text/event-stream"))
    chunks = list(completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, stream=True))
    expected = ""
    for line in lines:
        if line.startswith("data:") and "[DONE]" not in line:
            event = json.loads(line[5:])
            if event.get("choices"):
                expected += event["choices"][0].get("delta", {}).get("content") or ""
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == expected != ""
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")


def test_recorded_hub_mappings_in_both_forms_are_read():
    from playground._tasks import parse_provider_mapping

    body = PROVIDER_RECORDED["hub-model-info-expand-inferenceProviderMapping-dict-form"]["response"]["body"]
    mapping = parse_provider_mapping(body["inferenceProviderMapping"])
    assert [(p.provider, p.status, p.task) for p in mapping] == [
        ("fireworks-ai", "staging", "conversational"), ("together", "live", "conversational"), ("hf-inference", "live", "conversational")]
    assert mapping[1].provider_id == "meta-llama/Meta-Llama-3-8B-Instruct-Turbo"
    as_list = [{"provider": name, **entry} for name, entry in body["inferenceProviderMapping"].items()]  # list_models' form
    assert parse_provider_mapping(as_list) == mapping
    assert parse_provider_mapping(None) is None and parse_provider_mapping({}) == ()


def test_a_recorded_2026_hub_answer_routes_to_the_router_and_names_the_live_providers(fake):
    entry = PROVIDER_RECORDED["hub-model-info-mapping-2026-isModelAuthor-status-error"]
    model = entry["request"]["url"].split("/api/models/")[1].split("?")[0]
    fake.script(f"/api/models/{model}", Reply(200, entry["response"]["body"]))
    with pytest.raises(playground.BadRequestError) as caught:  # the fake router does not serve this model
        completion(model=model, messages=CHAT, api_key=TOKEN)
    assert caught.value.exchanges[-1].url == f"{fake.router_url}/v1/chat/completions"
    said = str(caught.value).split("(HTTP")[1]
    live = [name for name, p in entry["response"]["body"]["inferenceProviderMapping"].items() if p["status"] == "live"]
    assert f"pick one of {', '.join(live)}" in said and "sambanova" not in said  # in error on the Hub: not offered


def test_response_format_passes_through_to_the_router_and_engines(fake):
    schema = {"type": "json_schema", "json_schema": {"name": "city", "schema": {"type": "object", "properties": {"name": {"type": "string"}}}}}
    completion(model=LLAMA, messages=CHAT, api_key=TOKEN, response_format=schema)
    completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), response_format=schema)
    assert router_calls(fake)[-1].body["response_format"] == schema
    assert fake.seen("/endpoints/vllm-chat")[-1].body["response_format"] == schema


def test_the_endpoint_check_of_a_providers_model(fake):
    report = playground.check_endpoint(LLAMA, api_key=TOKEN)
    assert report.healthy, report.findings
    sentences = [f.sentence for f in report.findings]
    assert "Inference Providers serve it for chat: together (live), novita (live), cerebras (live), fireworks-ai (error)." in sentences
    assert any("served by cerebras" in s for s in sentences) and report.facts["provider"] == "cerebras"
    assert report.exchanges[-1].url == f"{fake.router_url}/v1/chat/completions" and report.exchanges[-1].request_body["max_tokens"] == 1


def test_the_endpoint_check_says_what_the_router_refused(fake):
    report = playground.check_endpoint(LLAMA, api_key=NO_CREDITS_TOKEN)
    assert report.level == "fail" and "credits for Inference Providers are used up" in report.findings[-1].sentence
    looked_up = len(fake.seen("/api/models/"))
    report = playground.check_endpoint(f"{LLAMA}:together", api_key=TOKEN)
    assert report.healthy and len(fake.seen("/api/models/")) == looked_up  # a pinned provider needs no Hub look-up
    assert [e.request_body["model"] for e in report.exchanges] == [f"{LLAMA}:together"]


@pytest.mark.parametrize(
    "hub_reply, goes_to",
    [
        (Reply(500, {"error": "Internal Error"}), "router"),  # no answer: a chat goes to the router
        (Reply(401, {"error": "Invalid credentials"}), "router"),  # a private model the token cannot see: no answer either
        (Reply(404, {"error": "Repository not found"}), "hf-inference"),  # the Hub says: no such public model
        (Reply(200, {"_id": "x", "id": "org/chat-model", "pipeline_tag": "text-generation", "tags": ["conversational"]}), "hf-inference"),  # no mapping field
        (Reply(200, {"_id": "x", "id": "org/chat-model", "pipeline_tag": "text-generation", "tags": ["conversational"],
                     "inferenceProviderMapping": []}), "router"),  # known: nobody serves it; the router's refusal says what to do
    ],
)
def test_what_the_hub_answers_decides_where_a_chat_goes(fake, hub_reply, goes_to):
    fake.script("/api/models/org/chat-model", hub_reply)
    fake.script(ROUTER_CHAT, Reply(400, {"error": {"message": "not served", "type": "invalid_request_error", "code": "model_not_supported"}}))
    fake.script("/hf-inference/models/org/chat-model/v1/chat/completions", Reply(404, {"error": "Model org/chat-model does not exist"}))
    with pytest.raises(playground.APIError) as caught:
        completion(model="org/chat-model", messages=CHAT, api_key=TOKEN)
    url = caught.value.exchanges[-1].url
    assert url == (f"{fake.router_url}/v1/chat/completions" if goes_to == "router" else f"{fake.inference_url}/models/org/chat-model/v1/chat/completions")


@pytest.mark.parametrize(
    "model, kwargs",
    [
        (LLAMA, {}), ("HuggingFaceH4/zephyr-7b-beta", {}), ("Qwen/Qwen2.5-VL-7B-Instruct", {}), ("deepset/roberta-base-squad2", {}),
        ("google/gemma-2b", {}), (f"{LLAMA}:novita", {}), ("huggingface/hf-inference/HuggingFaceH4/zephyr-7b-beta", {}),
        ("HuggingFaceH4/zephyr-7b-beta", {"task": "conversational"}),
    ],
)
def test_the_endpoint_check_probes_where_a_call_goes(fake, model, kwargs):
    route = playground.resolve_route(model, api_key=TOKEN, **kwargs)
    report = playground.check_endpoint(model, api_key=TOKEN, **kwargs)
    assert report.exchanges[-1].url == route.url and report.route == route.route


def test_odd_router_model_lists_still_read(fake):
    body = {"object": "list", "data": [
        {"id": "a/b", "providers": 5}, {"id": "c/d", "providers": [7, {"provider": "together", "status": "live", "pricing": "free",
                                                                     "context_length": True}]}, "junk", {"no": "id"}]}
    fake.script("/v1/models", Reply(200, body))
    models = playground.list_models()
    assert [m.id for m in models] == ["a/b", "c/d"] and models[0].providers == ()
    offer = models[1].providers[0]
    assert (offer.provider, offer.input_price, offer.context_length) == ("together", None, None)


def test_a_server_sending_usage_on_every_chunk_reports_its_last_figures(fake):
    entry = PROVIDER_RECORDED["router-provider-route-novita-chat-stream-sse"]["response"]
    lines = [line for line in entry["sse_lines"] if line.strip()]
    fake.script(ROUTER_CHAT, Reply(200, "".join(line + "\n\n" for line in lines).encode(), "text/event-stream"))
    chunks = list(completion(model=f"{LLAMA}:novita", messages=CHAT, api_key=TOKEN, stream=True))
    final = next(json.loads(line[5:])["usage"] for line in reversed(lines) if line.startswith("data:") and '"usage"' in line)
    assert chunks[-1].usage.completion_tokens == final["completion_tokens"] and not chunks[-1].usage.estimated


def test_images_go_to_a_chat_route_as_given_and_are_refused_where_only_text_goes(fake):
    parts = [{"type": "text", "text": "What is in this picture?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]
    completion(model=LLAMA, messages=[{"role": "user", "content": parts}], api_key=TOKEN)
    assert router_calls(fake)[-1].body["messages"] == [{"role": "user", "content": parts}]
    with pytest.raises(playground.BadRequestError, match="image"):
        completion(model="gpt2", messages=[{"role": "user", "content": parts}])
    assert fake.seen("/hf-inference/") == []


def test_inputs_the_library_cannot_honour_are_refused_before_sending(fake):
    with pytest.raises(playground.BadRequestError, match="one choice per call"):
        completion(model=LLAMA, messages=CHAT, api_key=TOKEN, n=2)
    with pytest.raises(playground.BadRequestError, match="stream_options must be a dict"):
        completion(model=LLAMA, messages=CHAT, api_key=TOKEN, stream=True, stream_options=True)
    assert fake.requests == []


def test_a_pinned_provider_with_a_chat_task_says_the_task_given(fake):
    answer = completion(model=f"{LLAMA}:novita", messages=CHAT, api_key=TOKEN, task="conversational")
    assert (answer.route, answer.task, answer.provider) == ("chat", "conversational", "novita")
    assert completion(model=f"{LLAMA}:novita", messages=CHAT, api_key=TOKEN).task is None  # no task given, no Hub look-up


def test_an_unknown_task_is_refused_naming_the_ones_the_playground_speaks(fake):
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model=LLAMA, messages=CHAT, api_key=TOKEN, task="image-to-text")
    assert str(caught.value) == (
        "task='image-to-text' is not one the playground speaks: use one of chat, conversational, question-answering, "
        "summarization, text-classification, text-generation, text2text-generation, translation, "
        "or leave task unset to learn it from the model.")
    assert [seen for seen in fake.requests if seen.method == "POST"] == []
