"""The endpoint doctor's whole report, as a person reads it: for each kind of endpoint
trouble, every sentence with its colour (ok / warn / fail), the facts it learnt, which
probes it sent (and with what body and token), and where the test request went.

Sentences are compared whole: a word changed in what the Check button shows is a change
someone sees."""

import re
from urllib.parse import urlsplit

import pytest

import playground
from fakehf import NO_CREDITS_TOKEN, Endpoint, Reply
from playground import check_endpoint
from playground._doctor import EndpointReport, _unreachable, diagnose, target_for
from playground._exchange import Exchange
from playground._settings import Settings

PRIVATE_TOKEN = "hf_fake_private_endpoint_token"
USER_TOKEN = "hf_fake_valid_user_token"
CHAT_MODEL = "meta-llama/Llama-2-7b-chat-hf"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
ZEPHYR = "HuggingFaceH4/zephyr-7b-beta"
TESTED = "A one-token test request on the {} route answered in N ms: the playground can chat with this endpoint."
SERVED_BY = "A one-token test request on the chat route answered in N ms, served by {}: the playground can chat with this endpoint."
TIMED_OUT = "{host} did not answer in time (timed out after {s} s (ReadTimeout)): the endpoint may be paused, busy or behind a firewall."
ZEPHYR_INFO = "TGI 1.4.3 serves HuggingFaceH4/zephyr-7b-beta (text-generation): at most 4,095 input tokens, 4,096 tokens in all, 4 stop sequences."
NO_TEMPLATE = "This model has no chat template; the playground will use text generation."


def said(report):
    """(level, sentence) for each finding; the probe's duration varies, so it reads "N ms"."""
    return [(f.level, re.sub(r"answered in \d+ ms", "answered in N ms", f.sentence)) for f in report.findings]


def purposes(report):
    return [e.purpose for e in report.exchanges]


def host(fake):
    return urlsplit(fake.url).netloc


def bearer(fake, prefix):
    """The Authorization header of every request the fake saw under ``prefix``."""
    return {r.headers.get("authorization") for r in fake.seen(prefix)}


# --- a healthy endpoint, told in full -----------------------------------------------------


def test_a_healthy_tgi_endpoint_reports_its_limits_and_sends_one_token_with_the_token(fake):
    report = check_endpoint(CHAT_MODEL, api_base=fake.endpoint_url("private-chat"), api_key=PRIVATE_TOKEN)
    assert said(report) == [
        ("ok", f"{host(fake)} is up: GET /health answered 200."),
        ("ok", "TGI 3.2.1 serves meta-llama/Llama-2-7b-chat-hf (text-generation): at most 4,095 input tokens, 4,096 tokens in all, 4 stop sequences."),
        ("ok", TESTED.format("chat")),
    ]
    assert report.facts == {"model_id": CHAT_MODEL, "version": "3.2.1", "task": "text-generation", "max_input_tokens": 4095,
                            "max_total_tokens": 4096, "max_stop_sequences": 4}
    assert purposes(report) == ["health check (GET /health)", "endpoint info (GET /info)", "test request (chat, one token)"]
    assert fake.seen("/endpoints/private-chat")[-1].body == {"model": CHAT_MODEL, "messages": [{"role": "user", "content": "Hi"}],
                                                             "max_tokens": 1, "stream": False}
    assert bearer(fake, "/endpoints/private-chat") == {f"Bearer {PRIVATE_TOKEN}"}


def test_the_duration_in_the_ok_sentence_is_the_test_requests_own(fake):
    fake.script("/endpoints/zephyr-tgi1/v1/chat/completions", Reply(200, {"choices": [{"message": {"role": "assistant", "content": "Hi"}}]}, delay=0.25))
    report = check_endpoint("", api_base=fake.endpoint_url("zephyr-tgi1"))
    ms = int(re.fullmatch(r"A one-token test request on the chat route answered in (\d+) ms: the playground can chat with this endpoint\.",
                          report.findings[-1].sentence).group(1))
    assert 250 <= ms < 2000 and abs(ms - report.exchanges[-1].total_time * 1000) <= 1


@pytest.mark.parametrize("model", ["", "tgi", "Llama-2-7b-chat-hf", CHAT_MODEL])
def test_a_model_name_that_matches_what_the_endpoint_serves_gets_no_warning(fake, model):
    report = check_endpoint(model, api_base=fake.endpoint_url("private-chat"), api_key=PRIVATE_TOKEN)
    assert [level for level, _ in said(report)] == ["ok", "ok", "ok"]


def test_an_endpoint_serving_another_model_than_named_is_amber_with_the_model_it_serves(fake):
    report = check_endpoint("gpt2", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert said(report) == [
        ("ok", f"{host(fake)} is up: GET /health answered 200."),
        ("ok", ZEPHYR_INFO),
        ("warn", "The endpoint serves HuggingFaceH4/zephyr-7b-beta, not gpt2: the replies come from HuggingFaceH4/zephyr-7b-beta whatever the Model box says."),
        ("ok", TESTED.format("chat")),
    ]
    assert report.level == "warn"


def test_a_model_served_from_the_repository_folder_is_not_called_another_model(fake):
    fake.script("/endpoints/zephyr-tgi1/info", Reply(200, {"model_id": "/repository", "version": "2.4.0", "max_total_tokens": 8192}))
    report = check_endpoint("gpt2", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert said(report)[1:] == [("ok", "TGI 2.4.0 serves /repository (text-generation): at most 8,192 tokens in all."), ("ok", TESTED.format("chat"))]


@pytest.mark.parametrize(
    "info, sentence, facts",
    [
        ({"model_id": "org/old", "version": "1.0.3", "max_input_length": 1024, "max_total_tokens": 2048},
         "TGI 1.0.3 serves org/old (text-generation): at most 1,024 input tokens, 2,048 tokens in all.",
         {"model_id": "org/old", "version": "1.0.3", "task": "text-generation", "max_input_tokens": 1024, "max_total_tokens": 2048}),
        ({}, "TGI serves a model (text-generation).", {"task": "text-generation"}),
        ({"model_id": 7, "model_pipeline_tag": 7, "version": "", "max_stop_sequences": "4"}, "TGI serves a model (text-generation): at most 4 stop sequences.",
         {"version": "", "task": "text-generation", "max_stop_sequences": "4"}),
    ],
)
def test_an_old_or_sparse_info_is_told_as_far_as_it_goes(fake, info, sentence, facts):
    fake.script("/endpoints/zephyr-tgi1/info", Reply(200, info))
    report = check_endpoint("", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert said(report) == [("ok", f"{host(fake)} is up: GET /health answered 200."), ("ok", sentence), ("ok", TESTED.format("chat"))]
    assert report.facts == facts and report.route == "chat"


# --- a dedicated endpoint's /health, /info and token ----------------------------------------


@pytest.mark.parametrize(
    "health, level, sentence",
    [
        (Reply(503, b"", "text/plain"), "warn",
         "{host} is starting up or scaled to zero (HTTP 503): the first message wakes it, which can take a few minutes; check again shortly."),
        (Reply(503, {"error": "Model is currently loading", "estimated_time": 20.0}), "warn",
         "The model is loading (HTTP 503): about 20 s left. A message sent now waits for it and the chat shows a countdown."),
        (Reply(405, b"", "text/plain"), "warn", "{host} has no /health route (HTTP 405): the URL may have a path too many."),
        (Reply(500, b"", "text/plain"), "warn", "GET /health answered HTTP 500: the endpoint may be unhealthy."),
    ],
)
def test_what_health_answers_is_told_and_the_check_goes_on(fake, health, level, sentence):
    fake.script("/endpoints/zephyr-tgi1/health", health)
    report = check_endpoint("", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert said(report) == [(level, sentence.format(host=host(fake))), ("ok", ZEPHYR_INFO), ("ok", TESTED.format("chat"))]
    assert report.level == "warn" and report.healthy


@pytest.mark.parametrize(
    "token, reply, sentence",
    [
        (False, None, "{host} needs a token (HTTP 401): paste a Hugging Face token (hf_...) in the Token box."),
        ("hf_fake_wrong_token_123", None,
         "{host} refused your token (HTTP 401): it is wrong or revoked; copy a fresh one from your Hugging Face settings."),
        (PRIVATE_TOKEN, Reply(403, b"", "text/plain"),
         "{host} refused your token (HTTP 403): it is valid but lacks permission; for a fine-grained token, allow it to make calls "
         "to Inference Endpoints or the Inference API."),
    ],
)
def test_a_refused_health_check_names_the_token_trouble_and_stops(fake, token, reply, sentence):
    if reply is not None:
        fake.script("/endpoints/private-chat/health", reply)
    report = check_endpoint(CHAT_MODEL, api_base=fake.endpoint_url("private-chat"), api_key=token)
    assert said(report) == [("fail", sentence.format(host=host(fake)))]
    assert len(fake.seen("/endpoints/private-chat")) == 1


def test_an_info_that_fails_is_amber_and_the_test_request_still_tells(fake):
    fake.script("/endpoints/zephyr-tgi1/info", Reply(500, {"error": "boom"}))
    report = check_endpoint("", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert said(report) == [
        ("ok", f"{host(fake)} is up: GET /health answered 200."),
        ("warn", "GET /info did not answer, so the model and its limits are unknown; the test request below still tells whether chat works."),
        ("ok", TESTED.format("chat")),
    ]
    assert purposes(report) == ["health check (GET /health)", "endpoint info (GET /info)", "test request (chat, one token)"]


@pytest.mark.parametrize("status", [404, 405])
def test_a_task_container_gets_text_generation(fake, status):
    for route in ("/health", "/info", "/v1/models"):
        fake.script(f"/endpoints/chat-container{route}", Reply(status, b"", "text/plain"))
    report = check_endpoint("", api_base=fake.endpoint_url("chat-container"))
    assert said(report) == [
        ("warn", f"{host(fake)} has no /health route (HTTP {status}): the URL may have a path too many."),
        ("warn", "The endpoint has neither /info nor /v1/models, so it is a task container, not a TGI, vLLM, SGLang or llama.cpp server: "
                 "the playground will send text generation (no chat route)."),
        ("ok", TESTED.format("text-generation")),
    ]
    assert purposes(report)[2] == "engine look-up (GET /v1/models)" and report.route == "text-generation"
    assert report.exchanges[-1].url == fake.endpoint_url("chat-container") and report.facts == {}


def test_a_task_container_that_refuses_text_says_so_with_its_reason(fake):
    report = check_endpoint("", api_base=fake.endpoint_url("qa-container"))
    assert said(report)[2:] == [
        ("fail", "The endpoint refused the text-generation request (HTTP 400) (Error in `inputs`: Input should be a valid dictionary): "
                 "try another Route in the generation settings."),
    ]


def test_an_endpoint_of_another_task_is_refused_without_generating(fake):
    fake.script("/endpoints/zephyr-tgi1/info", Reply(200, {"model_id": "google/vit-base-patch16-224", "model_pipeline_tag": "image-classification"}))
    report = check_endpoint("", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert said(report) == [
        ("ok", f"{host(fake)} is up: GET /health answered 200."),
        ("ok", "TGI serves google/vit-base-patch16-224 (image-classification)."),
        ("fail", "This endpoint does image-classification, which the playground cannot chat with: choose a text model."),
    ]
    assert all(r.method == "GET" for r in fake.seen("/endpoints/zephyr-tgi1"))


def test_a_serverless_model_of_another_task_is_named_in_the_refusal(fake):
    report = check_endpoint("google/vit-base-patch16-224")
    assert said(report) == [
        ("ok", "google/vit-base-patch16-224 is on the Hub: task image-classification."),
        ("fail", "google/vit-base-patch16-224 does image-classification, which the playground cannot chat with: choose a text model."),
    ]


# --- OpenAI-compatible engines ---------------------------------------------------------------


def test_a_vllm_endpoint_tells_its_engine_version_served_name_and_context(fake):
    report = check_endpoint(LLAMA, api_base=fake.endpoint_url("vllm-chat"))
    assert said(report) == [
        ("ok", f"{host(fake)} is up: GET /health answered 200."),
        ("ok", "vLLM 0.11.0 serves llama-3-1-8b-instruct-xyz: at most 4,096 tokens in all."),
        ("warn", "The endpoint serves llama-3-1-8b-instruct-xyz, not meta-llama/Llama-3.1-8B-Instruct: the playground sends "
                 "llama-3-1-8b-instruct-xyz as the model name, and the replies come from it."),
        ("ok", TESTED.format("chat")),
    ]
    assert report.facts == {"engine": "vllm", "version": "0.11.0", "model_id": "llama-3-1-8b-instruct-xyz",
                            "served_models": ["llama-3-1-8b-instruct-xyz"], "max_total_tokens": 4096}
    assert purposes(report) == ["health check (GET /health)", "endpoint info (GET /info)", "engine look-up (GET /v1/models)",
                                "engine version (GET /version)", "test request (chat, one token)"]


@pytest.mark.parametrize("model", ["tgi", LLAMA])
def test_an_sglang_endpoint_without_a_version_serving_the_named_model(fake, model):
    report = check_endpoint(model, api_base=fake.endpoint_url("sglang-chat"))
    assert said(report) == [
        ("ok", f"{host(fake)} is up: GET /health answered 200."),
        ("ok", "SGLang serves meta-llama/Llama-3.1-8B-Instruct: at most 4,096 tokens in all."),
        ("ok", TESTED.format("chat")),
    ]
    assert report.facts == {"engine": "sglang", "version": None, "model_id": LLAMA, "served_models": [LLAMA], "max_total_tokens": 4096}


def test_a_private_llamacpp_endpoint_gets_the_token_on_every_probe(fake):
    report = check_endpoint("tgi", api_base=fake.endpoint_url("llamacpp-private"), api_key=PRIVATE_TOKEN)
    assert said(report) == [
        ("ok", f"{host(fake)} is up: GET /health answered 200."),
        ("ok", "llama.cpp b1-0c1e570 serves meta-llama/Llama-2-7b-chat-hf: at most 4,096 tokens in all."),
        ("ok", TESTED.format("chat")),
    ]
    assert report.facts["version"] == "b1-0c1e570" and report.facts["max_total_tokens"] == 4096
    assert [r.path.rsplit("/", 1)[-1] for r in fake.seen("/endpoints/llamacpp-private")] == ["health", "info", "models", "props", "completions"]
    assert bearer(fake, "/endpoints/llamacpp-private") == {f"Bearer {PRIVATE_TOKEN}"}


@pytest.mark.parametrize(
    "entry, sentence, facts",
    [
        ({"context_length": 8192}, "An OpenAI-compatible server serves my-model: at most 8,192 tokens in all.", {"max_total_tokens": 8192}),
        ({"max_model_len": True, "context_length": 2048}, "An OpenAI-compatible server serves my-model: at most 2,048 tokens in all.",
         {"max_total_tokens": 2048}),
        ({}, "An OpenAI-compatible server serves my-model.", {}),
    ],
)
def test_an_unnamed_openai_compatible_server_is_told_with_what_it_says_of_its_context(fake, entry, sentence, facts):
    fake.script("/endpoints/sglang-chat/v1/models", Reply(200, {"object": "list", "data": [{"id": "my-model", "object": "model", "owned_by": "someone", **entry}]}))
    report = check_endpoint("tgi", api_base=fake.endpoint_url("sglang-chat"))
    assert said(report) == [("ok", f"{host(fake)} is up: GET /health answered 200."), ("ok", sentence), ("ok", TESTED.format("chat"))]
    assert report.facts == {"engine": "openai", "version": None, "model_id": "my-model", "served_models": ["my-model"], **facts}


def test_an_engine_asked_for_a_task_it_does_not_serve_is_red_without_generating(fake):
    report = check_endpoint("tgi", api_base=fake.endpoint_url("vllm-chat"), task="question-answering")
    assert said(report)[2:] == [
        ("fail", "The endpoint runs vLLM, which serves chat and text generation only, not question-answering: leave task unset, "
                 "or use task=\"text-generation\"."),
    ]
    assert not any(r.method == "POST" for r in fake.seen("/endpoints/vllm-chat"))


# --- what the test request sends ---------------------------------------------------------------


def test_a_forced_text_generation_task_is_what_the_test_request_uses(fake):
    dedicated = check_endpoint(CHAT_MODEL, api_base=fake.endpoint_url("private-chat"), api_key=PRIVATE_TOKEN, task="text-generation")
    engine = check_endpoint("tgi", api_base=fake.endpoint_url("vllm-chat"), task="text-generation")
    serverless = check_endpoint(ZEPHYR, task="text-generation")
    assert [r.route for r in (dedicated, engine, serverless)] == ["text-generation"] * 3
    assert [said(r)[-1] for r in (dedicated, engine, serverless)] == [("ok", TESTED.format("text-generation"))] * 3
    assert [r.exchanges[-1].url for r in (dedicated, engine, serverless)] == [
        fake.endpoint_url("private-chat"), fake.endpoint_url("vllm-chat") + "/v1/completions", f"{fake.inference_url}/models/{ZEPHYR}"]


def test_a_task_the_playground_does_not_speak_is_red_before_sending(fake):
    report = check_endpoint("gpt2", task="bogus")
    assert said(report) == [("fail", "task='bogus' is not one the playground speaks; leave it unset to learn it from the model.")]
    assert fake.requests == []


@pytest.mark.parametrize(
    "model, api_base, path, body",
    [
        ("gpt2", None, "/hf-inference/models/gpt2",
         {"inputs": "Hi", "parameters": {"max_new_tokens": 1, "return_full_text": False, "details": True}, "stream": False}),
        ("", "public-base", "/endpoints/public-base",
         {"inputs": "Hi", "parameters": {"max_new_tokens": 1, "return_full_text": False, "details": True}, "stream": False}),
        ("", "vllm-base", "/endpoints/vllm-base/v1/completions", {"model": "meta-llama/Llama-2-7b-hf", "prompt": "Hi", "max_tokens": 1, "stream": False}),
        ("deepset/roberta-base-squad2", None, "/hf-inference/models/deepset/roberta-base-squad2",
         {"inputs": {"question": "Hi", "context": "The playground checks that this endpoint answers."}}),
        ("facebook/bart-large-cnn", None, "/hf-inference/models/facebook/bart-large-cnn", {"inputs": "Hi"}),
        ("google/flan-t5-base", None, "/hf-inference/models/google/flan-t5-base", {"inputs": "Hi", "parameters": {"max_new_tokens": 1}}),
    ],
)
def test_each_route_is_probed_with_its_own_one_token_payload_and_the_token(fake, model, api_base, path, body):
    report = check_endpoint(model, api_base=fake.endpoint_url(api_base) if api_base else None, api_key=USER_TOKEN)
    assert report.healthy and said(report)[-1] == ("ok", TESTED.format(report.route))
    last = fake.requests[-1]
    assert (last.method, last.path, last.body) == ("POST", path, body)
    assert bearer(fake, "/endpoints/") | bearer(fake, "/hf-inference/") == {f"Bearer {USER_TOKEN}"}
    assert bearer(fake, "/api/models/") <= {None}  # the Hub look-up goes to a host that is not Hugging Face's: no token


def test_the_hub_look_up_carries_the_token_to_hugging_face_only():
    for hub, sent in (("https://huggingface.co", f"Bearer {USER_TOKEN}"), ("http://127.0.0.1:9", None)):
        settings = Settings(hub_endpoint=hub)
        steps = diagnose(target_for("org/private-model", None, settings), USER_TOKEN, None, settings, EndpointReport())
        look_up = next(steps).request  # the plan yields its first request without sending it
        assert look_up.url.startswith(f"{hub}/api/models/org/private-model?") and look_up.headers.get("Authorization") == sent


def test_a_base_model_on_a_private_endpoint_gets_the_token_on_the_text_fallback_too(fake):
    fake.endpoints["private-base"] = Endpoint("meta-llama/Llama-2-7b-hf", token=PRIVATE_TOKEN)
    fake.endpoints["private-vllm-base"] = Endpoint("meta-llama/Llama-2-7b-hf", tgi=False, engine="vllm", token=PRIVATE_TOKEN)
    for name in ("private-base", "private-vllm-base"):
        report = check_endpoint("", api_base=fake.endpoint_url(name), api_key=PRIVATE_TOKEN)
        assert said(report)[-2:] == [("warn", NO_TEMPLATE), ("ok", TESTED.format("text-generation"))]
        assert bearer(fake, f"/endpoints/{name}") == {f"Bearer {PRIVATE_TOKEN}"}


def test_inputs_that_name_nothing_to_check_raise_with_a_sentence(fake):
    with pytest.raises(playground.BadRequestError) as caught:
        check_endpoint("")
    assert str(caught.value) == "Name a model to check, or give the endpoint's URL."
    assert fake.requests == []


# --- what the test request answers -------------------------------------------------------------


@pytest.mark.parametrize(
    "token, reply, level, sentence",
    [
        (None, Reply(404, {"error": "Not Found"}), "fail", "Nothing answers at {url} (HTTP 404): check the URL."),
        (None, Reply(503, b"", "text/plain"), "warn",
         "{host} is starting up or scaled to zero (HTTP 503): the first message wakes it, which can take a few minutes; check again shortly."),
        (None, Reply(429, {"error": "Rate limit reached"}), "warn",
         "The endpoint is rate limiting requests (HTTP 429) (Rate limit reached): wait a minute, or paste a token."),
        (USER_TOKEN, Reply(429, {"error": "Rate limit reached"}), "warn", "The endpoint is rate limiting requests (HTTP 429) (Rate limit reached): wait a minute."),
        (None, Reply(422, {"error": "Input validation error: `max_new_tokens` must be strictly positive", "error_type": "validation"}), "fail",
         "The endpoint refused the chat request (HTTP 422) (Input validation error: `max_new_tokens` must be strictly positive): "
         "try another Route in the generation settings."),
        (None, Reply(400, {"error": "Bad request"}), "fail", "The endpoint refused the chat request (HTTP 400) (Bad request): try another Route in the generation settings."),
        (None, Reply(500, {"error": "CUDA out of memory"}), "fail",
         "The test request failed with HTTP 500 (CUDA out of memory): the endpoint is up but could not generate."),
        (None, Reply(500, b"", "text/plain"), "fail", "The test request failed with HTTP 500: the endpoint is up but could not generate."),
        (USER_TOKEN, Reply(401, {"error": "Invalid credentials"}), "fail",
         "{host} refused your token (HTTP 401): it is wrong or revoked; copy a fresh one from your Hugging Face settings."),
        (USER_TOKEN, Reply(403, {"error": "Forbidden"}), "fail",
         "{host} refused your token (HTTP 403): it is valid but lacks permission; for a fine-grained token, allow it to make calls "
         "to Inference Endpoints or the Inference API."),
        (None, Reply(401, b"", "text/plain"), "fail", "{host} needs a token (HTTP 401): paste a Hugging Face token (hf_...) in the Token box."),
    ],
)
def test_what_the_test_request_answers_is_told_in_one_sentence(fake, token, reply, level, sentence):
    path = "/endpoints/zephyr-tgi1/v1/chat/completions"
    fake.script(path, reply)
    report = check_endpoint("", api_base=fake.endpoint_url("zephyr-tgi1"), api_key=token or False)
    url = fake.url + path
    assert said(report) == [("ok", f"{host(fake)} is up: GET /health answered 200."), ("ok", ZEPHYR_INFO),
                            (level, sentence.format(host=host(fake), url=url))]


@pytest.mark.parametrize(
    "reply, gated",
    [
        (Reply(403, {"error": "Access denied."}, headers={"x-error-code": "GatedRepo"}), True),
        (Reply(403, {"error": "Access to model gpt2 is restricted and you are not in the authorized list."}), True),
        (Reply(401, {"error": "Cannot access gated repo for url https://huggingface.co/gpt2."}), True),
        (Reply(403, {"error": "Forbidden"}, headers={"x-error-code": "Forbidden"}), False),
        (Reply(403, b"", "text/plain"), False),
    ],
)
def test_a_refusal_for_a_gated_model_is_told_from_a_token_without_permission(fake, reply, gated):
    fake.script("/hf-inference/models/gpt2", reply)
    report = check_endpoint("gpt2", api_key=USER_TOKEN)
    if gated:
        sentence = (f"gpt2 is gated and your token's account has no access (HTTP {reply.status}): ask for access on "
                    "https://huggingface.co/gpt2, then try again.")
    else:
        sentence = (f"{host(fake)} refused your token (HTTP 403): it is valid but lacks permission; for a fine-grained token, "
                    "allow it to make calls to Inference Endpoints or the Inference API.")
    assert said(report) == [("ok", "gpt2 is on the Hub: task text-generation."), ("fail", sentence)]


def test_a_model_the_inference_api_does_not_have_is_red_with_the_model_id(fake):
    fake.script("/api/models/org/odd", Reply(200, {"_id": "x", "id": "org/odd", "pipeline_tag": 7, "tags": "conversational", "gated": False}))
    report = check_endpoint("org/odd")
    assert said(report) == [
        ("ok", "org/odd is on the Hub: task not set."),
        ("fail", "The Inference API has no model org/odd (HTTP 404): check the model id."),
    ]
    assert report.facts == {"model_id": "org/odd", "task": None, "gated": False, "chat_template": False}
    assert report.route == "text-generation"


# --- connections that fail mid-check -------------------------------------------------------------


@pytest.fixture
def short_timeouts(monkeypatch):
    """Look-ups give up after 0.3 s, the test request after 0.6 s (a stalled reply takes 1.2 s)."""
    monkeypatch.setenv("PLAYGROUND_CONNECT_TIMEOUT", "0.3")
    monkeypatch.setenv("PLAYGROUND_READ_TIMEOUT", "0.6")


STALL = Reply(200, b"", "text/plain", delay=1.2)


def test_a_health_check_that_stalls_is_red_after_the_short_look_up_wait(fake, short_timeouts):
    fake.script("/endpoints/zephyr-tgi1/health", STALL)
    report = check_endpoint("", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert said(report) == [("fail", TIMED_OUT.format(host=host(fake), s=0.3))]
    assert len(report.exchanges) == 1


def test_an_info_that_stalls_is_amber_and_the_check_goes_on(fake, short_timeouts):
    fake.script("/endpoints/zephyr-tgi1/info", STALL)
    report = check_endpoint("", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert said(report) == [
        ("ok", f"{host(fake)} is up: GET /health answered 200."),
        ("warn", "GET /info did not answer, so the model and its limits are unknown; the test request below still tells whether chat works."),
        ("ok", TESTED.format("chat")),
    ]
    assert report.exchanges[1].error == "timed out after 0.3 s (ReadTimeout)"


def test_an_engine_look_up_that_stalls_is_amber_and_the_check_goes_on(fake, short_timeouts):
    fake.script("/endpoints/vllm-chat/v1/models", STALL)
    report = check_endpoint("tgi", api_base=fake.endpoint_url("vllm-chat"))
    assert said(report)[1] == ("warn", "The endpoint has neither /info nor /v1/models, so it is a task container, not a TGI, vLLM, SGLang "
                                       "or llama.cpp server: the playground will send text generation (no chat route).")
    assert report.exchanges[2].purpose == "engine look-up (GET /v1/models)" and report.exchanges[2].error == "timed out after 0.3 s (ReadTimeout)"
    assert report.level == "fail" and report.route == "text-generation"


def test_a_hub_that_stalls_is_amber_and_a_chat_model_is_tried_on_the_router(fake, short_timeouts):
    fake.script(f"/api/models/{LLAMA}", STALL)
    report = check_endpoint(LLAMA, api_key=USER_TOKEN)
    assert said(report) == [
        ("warn", f"The Hub did not answer (timed out after 0.3 s (ReadTimeout)), so {LLAMA}'s task is unknown."),
        ("ok", SERVED_BY.format("cerebras")),
    ]
    assert report.exchanges[-1].url == f"{fake.router_url}/v1/chat/completions" and report.facts == {"provider": "cerebras"}


def test_a_test_request_that_stalls_is_red(fake, short_timeouts):
    fake.script("/endpoints/zephyr-tgi1/v1/chat/completions", STALL)
    report = check_endpoint("", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert said(report) == [
        ("ok", f"{host(fake)} is up: GET /health answered 200."),
        ("ok", ZEPHYR_INFO),
        ("fail", TIMED_OUT.format(host=host(fake), s=0.6)),
    ]


def test_a_text_fallback_that_stalls_is_red(fake, short_timeouts):
    fake.script("/endpoints/public-base", STALL)
    report = check_endpoint("", api_base=fake.endpoint_url("public-base"))
    assert said(report)[2:] == [
        ("warn", NO_TEMPLATE),
        ("fail", TIMED_OUT.format(host=host(fake), s=0.6)),
    ]


@pytest.mark.parametrize(
    "error",
    [
        "ConnectError: [Errno -2] Name or service not known",
        "ConnectError: [Errno 8] nodename nor servname provided, or not known",
        "ConnectError: [Errno -3] Temporary failure in name resolution",
        "ConnectError: [Errno 11001] getaddrinfo failed",
        "ConnectError: [Errno -5] No address associated with hostname",
    ],
)
def test_each_systems_dns_failure_is_told_as_a_missing_host_name(error):
    exchange = Exchange(purpose="health", method="GET", url="https://xyz.example:8443/health", request_headers={}, error=error)
    assert _unreachable("xyz.example:8443", exchange) == "The host name xyz.example does not exist (DNS lookup failed): check the URL for typos."


# --- the serverless API: what the Hub says ------------------------------------------------------


@pytest.mark.parametrize(
    "token, status, sentence",
    [
        (False, 401, "The Hub has no public model called org/private-model: check the spelling (ids look like owner/name), or paste a token "
                     "that can see it if it is private."),
        (USER_TOKEN, 404, "The Hub has no public model called org/private-model: check the spelling (ids look like owner/name) and that "
                          "your token can see it."),
    ],
)
def test_a_model_the_hub_does_not_show_is_red_and_nothing_more_is_sent(fake, token, status, sentence):
    fake.script("/api/models/org/private-model", Reply(status, {"error": "Repository not found"}))
    report = check_endpoint("org/private-model", api_key=token)
    assert said(report) == [("fail", sentence)]
    assert len(fake.requests) == 1


def test_a_hub_error_is_amber_and_a_chat_model_is_tried_on_the_router(fake):
    fake.script(f"/api/models/{LLAMA}", Reply(500, {"error": "Internal Error"}))
    report = check_endpoint(LLAMA, api_key=USER_TOKEN)
    assert said(report) == [
        ("warn", f"The Hub answered HTTP 500 about {LLAMA}, so its task is unknown."),
        ("ok", SERVED_BY.format("cerebras")),
    ]
    assert report.exchanges[-1].url == f"{fake.router_url}/v1/chat/completions"


def test_with_the_hub_offline_nothing_is_asked_of_it_and_a_chat_goes_to_the_router(fake, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    report = check_endpoint(LLAMA, api_key=USER_TOKEN)
    assert said(report) == [
        ("warn", "HF_HUB_OFFLINE is set, so the Hub was not asked about the model; the test request below still tells whether it answers."),
        ("ok", SERVED_BY.format("cerebras")),
    ]
    assert fake.seen("/api/") == [] and report.exchanges[-1].url == f"{fake.router_url}/v1/chat/completions"
    forced = check_endpoint(ZEPHYR, task="text-generation")
    assert forced.route == "text-generation" and forced.exchanges[-1].url == f"{fake.inference_url}/models/{ZEPHYR}"


def test_a_model_on_the_hub_with_providers_is_told_in_full_and_the_token_goes_to_both(fake):
    report = check_endpoint(LLAMA, api_key=USER_TOKEN)
    assert said(report) == [
        ("ok", f"{LLAMA} is on the Hub: task text-generation, with a chat template."),
        ("ok", "Inference Providers serve it for chat: together (live), novita (live), cerebras (live), fireworks-ai (error)."),
        ("ok", SERVED_BY.format("cerebras")),
    ]
    assert report.facts == {
        "model_id": LLAMA, "task": "text-generation", "gated": False, "chat_template": True,
        "providers": [{"provider": "together", "status": "live", "task": "conversational"}, {"provider": "novita", "status": "live", "task": "conversational"},
                      {"provider": "cerebras", "status": "live", "task": "conversational"}, {"provider": "fireworks-ai", "status": "error", "task": "conversational"}],
        "provider": "cerebras",
    }
    assert bearer(fake, "/v1/") == {f"Bearer {USER_TOKEN}"}


def test_a_model_no_live_provider_serves_is_amber(fake):
    mapping = {"together": {"status": "staging", "providerId": "x", "task": "conversational"}, "novita": {"providerId": "y", "task": "conversational"}}
    fake.script(f"/api/models/{LLAMA}", Reply(200, {"_id": "x", "id": LLAMA, "pipeline_tag": "text-generation", "tags": ["conversational"],
                                                    "gated": False, "inferenceProviderMapping": mapping}))
    report = check_endpoint(LLAMA, api_key=USER_TOKEN)
    assert said(report)[:2] == [
        ("ok", f"{LLAMA} is on the Hub: task text-generation, with a chat template."),
        ("warn", "Inference Providers serve it for chat: together (staging), novita (status unknown). None is live now."),
    ]
    assert report.facts["providers"] == [{"provider": "together", "status": "staging", "task": "conversational"},
                                         {"provider": "novita", "status": None, "task": "conversational"}]


@pytest.mark.parametrize(
    "gated, token, sentence",
    [
        ("manual", USER_TOKEN, "HuggingFaceH4/zephyr-7b-beta is gated (access is approved by its authors): the test request below shows "
                               "whether your token's account has access."),
        ("auto", False, "HuggingFaceH4/zephyr-7b-beta is gated (access is granted when you accept its terms): calls need a token whose "
                        "account has access."),
    ],
)
def test_a_gated_model_is_amber_with_how_access_is_given(fake, gated, token, sentence):
    fake.script(f"/api/models/{ZEPHYR}", Reply(200, {"_id": "x", "id": ZEPHYR, "pipeline_tag": "text-generation", "tags": ["conversational"],
                                                     "gated": gated, "inferenceProviderMapping": {}}))
    report = check_endpoint(ZEPHYR, api_key=token)
    assert said(report)[:2] == [("ok", f"{ZEPHYR} is on the Hub: task text-generation, with a chat template."), ("warn", sentence)]
    assert report.facts["gated"] == gated


def test_a_model_without_a_chat_template_is_probed_with_text_at_once(fake):
    report = check_endpoint("gpt2")
    assert said(report) == [("ok", "gpt2 is on the Hub: task text-generation."), ("ok", TESTED.format("text-generation"))]
    assert report.facts == {"model_id": "gpt2", "task": "text-generation", "gated": False, "chat_template": False,
                            "providers": [{"provider": "hf-inference", "status": "live", "task": "text-generation"}]}
    assert purposes(report) == ["model look-up (Hub model API)", "test request (text-generation, one token)"]


def test_a_model_pinned_to_hf_inference_is_probed_there_not_on_the_router(fake):
    report = check_endpoint(f"hf-inference/{LLAMA}", api_key=USER_TOKEN)
    assert said(report)[-1] == ("ok", TESTED.format("chat"))
    assert report.exchanges[-1].url == f"{fake.inference_url}/models/{LLAMA}/v1/chat/completions"


# --- the Inference Providers router --------------------------------------------------------------


def test_a_provider_suffix_goes_straight_to_the_router_for_chat_only(fake):
    report = check_endpoint(f"{LLAMA}:together", api_key=USER_TOKEN)
    assert said(report) == [
        ("ok", f"{LLAMA}:together names an Inference Provider or a policy (together): the test request goes to the router."),
        ("ok", SERVED_BY.format("together")),
    ]
    refused = check_endpoint(f"{LLAMA}:together", api_key=USER_TOKEN, task="question-answering")
    assert said(refused) == [("fail", f"{LLAMA}:together names an Inference Provider (together), and providers are reached for chat only: drop the suffix.")]
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    "token, reply, level, sentence",
    [
        (False, None, "fail", "Inference Providers need a Hugging Face token (HTTP 401: Invalid username or password.): set HF_TOKEN or pass "
                              "api_key=\"hf_...\" (a token with the \"Make calls to Inference Providers\" permission)."),
        ("hf_fake_wrong_token_123", None, "fail", "Inference Providers refused the token (HTTP 401: Invalid username or password.): it is wrong or "
                                                  "revoked; copy a fresh one from https://huggingface.co/settings/tokens and pass it as api_key or HF_TOKEN."),
        (USER_TOKEN, Reply(429, {"error": "Rate limited"}, headers={"retry-after": "30"}), "warn",
         f"Too many requests to Inference Providers for {LLAMA} (HTTP 429: Rate limited): wait 30 s and try again, or use a token with a higher rate limit."),
        (USER_TOKEN, Reply(503, {"error": "Service unavailable"}), "warn",
         f"Inference Providers for {LLAMA} is unavailable (HTTP 503: Service unavailable): it may be paused, scaled to zero or restarting; "
         "wait a minute and try again."),
    ],
)
def test_the_routers_refusals_are_told_in_its_own_words(fake, token, reply, level, sentence):
    if reply is not None:
        fake.script("/v1/chat/completions", reply)
    report = check_endpoint(LLAMA, api_key=token)
    assert said(report)[2:] == [(level, sentence)]


def test_used_up_credits_are_red_with_the_routers_reason_and_where_to_buy_more(fake):
    report = check_endpoint(LLAMA, api_key=NO_CREDITS_TOKEN)
    assert said(report)[2:] == [(
        "fail",
        "Your monthly included credits for Inference Providers are used up (HTTP 402: You have depleted your monthly included credits. "
        "Purchase pre-paid credits to continue using Inference Providers. Alternatively, subscribe to PRO to get 20x more included credits.): "
        "buy pre-paid credits at https://huggingface.co/settings/billing, subscribe to PRO (https://huggingface.co/pro) for more included "
        "credits, or bill an organisation you belong to with bill_to=\"<org>\".",
    )]
