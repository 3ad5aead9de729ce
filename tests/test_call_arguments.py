"""Each argument of the look-up calls does what its docstring says, in the sync call and in
its async twin alike: a token reaches the Hub for a gated model, ``task=`` picks the route,
a model name given with an endpoint URL is the endpoint's business, ``refresh=True`` asks
again, and a refusal carries its exchanges."""

import asyncio

import pytest

import playground
from fakehf import NO_PROVIDERS_TOKEN

TOKEN = "hf_fake_valid_user_token"
PRIVATE_TOKEN = "hf_fake_private_endpoint_token"
GATED_CHAT = "meta-llama/Llama-2-7b-chat-hf"
ZEPHYR = "HuggingFaceH4/zephyr-7b-beta"


def both(name, *args, **kwargs):
    """The sync call's result, then the async twin's (caches cleared in between)."""
    first = getattr(playground, name)(*args, **kwargs)
    playground.clear_caches()

    async def twin():
        return await getattr(playground, "a" + name)(*args, **kwargs)

    return first, asyncio.run(twin())


def test_the_route_look_up_sends_the_token_to_a_private_endpoint(fake):
    url = fake.endpoint_url("private-chat")
    for info in both("resolve_route", "", api_base=url, api_key=PRIVATE_TOKEN):
        assert (info.route, info.task, info.source) == ("chat", "text-generation", "endpoint /info")
    assert [seen.headers.get("authorization") for seen in fake.requests] == [f"Bearer {PRIVATE_TOKEN}"] * 2
    playground.clear_caches()
    refused = playground.resolve_route("", api_base=url, api_key=False)  # /info refused: nothing learnt, chat assumed
    assert (refused.source, [exchange.status for exchange in refused.exchanges]) == (None, [401])


def test_the_route_look_up_honours_task(fake):
    for info in both("resolve_route", ZEPHYR, task="text-generation"):
        assert (info.route, info.task) == ("text-generation", "text-generation")
        assert info.url == f"{fake.inference_url}/models/{ZEPHYR}"
    for info in both("resolve_route", "", api_base=fake.endpoint_url("vllm-chat"), task="text-generation"):
        assert info.route == "text-generation" and info.url == fake.endpoint_url("vllm-chat") + "/v1/completions"


def test_serverless_routes_have_no_served_model_or_engine_version(fake):
    for info in both("resolve_route", "meta-llama/Llama-3.1-8B-Instruct", api_key=TOKEN):
        assert info.router and info.served_model is None and info.engine_version is None
    for info in both("resolve_route", "", api_base=fake.endpoint_url("vllm-chat")):
        assert (info.served_model, info.engine_version) == ("llama-3-1-8b-instruct-xyz", "0.11.0")


def test_a_provider_spelling_with_an_endpoint_url_is_taken_as_given(fake):
    """``together/org/model`` means a provider on the serverless router; given with an
    endpoint URL the name is the endpoint's business: the Hub is asked about it (for an
    endpoint that does not say its task) and the check names it as typed."""
    url = fake.endpoint_url("chat-container")  # no /info, no /v1/models: the Hub is asked
    for info in both("resolve_route", "huggingface/together/meta-llama/Llama-2-7b-chat-hf", api_base=url):
        assert info.exchanges[-1].url.startswith(f"{fake.url}/api/models/together/meta-llama/Llama-2-7b-chat-hf?")
    for report in both("check_endpoint", "together/org/model", api_base=fake.endpoint_url("public-base")):
        assert ("The endpoint serves meta-llama/Llama-2-7b-hf, not together/org/model: the replies come from "
                "meta-llama/Llama-2-7b-hf whatever the Model box says.") in [f.sentence for f in report.findings]


def test_the_check_takes_the_token_the_task_and_the_model_given(fake):
    url = fake.endpoint_url("private-chat")
    for report in both("check_endpoint", GATED_CHAT, api_base=url, api_key=PRIVATE_TOKEN, task="text-generation"):
        assert report.healthy, [f.sentence for f in report.findings]
        assert report.route == "text-generation" and report.exchanges[-1].url == url
        assert report.exchanges[-1].request_body["parameters"]["max_new_tokens"] == 1
    assert {seen.headers.get("authorization") for seen in fake.requests} == {f"Bearer {PRIVATE_TOKEN}"}


def test_the_check_without_a_model_asks_the_endpoint_which_it_serves(fake):
    url = fake.endpoint_url("vllm-chat")
    for report in both("check_endpoint", api_base=url):
        assert report.healthy
        assert report.exchanges[-1].request_body["model"] == "llama-3-1-8b-instruct-xyz"  # not a name made up here


def test_a_refused_endpoint_listing_carries_its_exchanges(fake):
    for call in (playground.list_endpoints, playground.alist_endpoints):
        with pytest.raises(playground.PermissionDeniedError) as caught:
            result = call(api_key=NO_PROVIDERS_TOKEN)
            if asyncio.iscoroutine(result):
                asyncio.run(result)
        assert caught.value.exchanges[0].url.endswith("/api/whoami-v2")
        assert caught.value.exchanges[-1].status == 403


def test_refresh_asks_for_the_model_list_again(fake, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    playground.list_models()
    playground.list_models()
    assert len(fake.seen("/v1/models")) == 1  # remembered
    playground.list_models(refresh=True)
    assert len(fake.seen("/v1/models")) == 2


def test_hf_inference_spelled_in_the_name_pins_the_hf_inference_api(fake, monkeypatch):
    """Llama 3.1 is served by providers through the router; ``hf-inference/`` before its
    name sends it to the hf-inference API all the same (where the person asked)."""
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    llama = "meta-llama/Llama-3.1-8B-Instruct"
    for info in both("resolve_route", "hf-inference/" + llama):
        assert not info.router and info.url.startswith(f"{fake.inference_url}/models/{llama}")
    for report in both("check_endpoint", "hf-inference/" + llama):
        assert report.exchanges[-1].url.startswith(f"{fake.inference_url}/models/{llama}")
    for report in both("check_endpoint", llama):
        assert report.exchanges[-1].url == f"{fake.router_url}/v1/chat/completions"


def test_a_check_without_a_model_names_none(fake):
    for report in both("check_endpoint", api_base=fake.endpoint_url("public-base")):
        assert report.healthy and not [f.sentence for f in report.findings if ", not " in f.sentence]


def test_the_endpoint_listing_takes_the_token_from_the_environment(fake, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    for found in both("list_endpoints"):
        assert {endpoint.namespace for endpoint in found} >= {"fake-user"}


def test_a_refused_model_list_carries_its_exchange(fake, monkeypatch):
    monkeypatch.setenv("HF_ROUTER_URL", fake.url + "/no-router-here")
    for call in (playground.list_models, playground.alist_models):
        with pytest.raises(playground.APIError) as caught:
            result = call(refresh=True)
            if asyncio.iscoroutine(result):
                asyncio.run(result)
        assert caught.value.exchanges[-1].url == f"{fake.url}/no-router-here/v1/models" and caught.value.exchanges[-1].status == 404


def test_the_model_list_is_asked_once_then_kept_unless_refresh_is_asked(fake):
    """Both twins keep the router's model list (ten minutes); refresh=True asks again."""
    def asked():
        return len([r for r in fake.seen("/v1/models") if r.method == "GET"])

    async def twin(**kwargs):
        return await playground.alist_models(**kwargs)

    playground.clear_caches()
    first = playground.list_models()
    before = asked()
    assert playground.list_models() == first and asyncio.run(twin()) == first and asked() == before
    asyncio.run(twin(refresh=True))
    playground.list_models(refresh=True)
    assert asked() == before + 2


CHAT_MODEL = "meta-llama/Llama-2-7b-chat-hf"
CHAT = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(("given", "error", "sentence"), [
    ({"custom_llm_provider": "openai"}, playground.BadRequestError,
     "custom_llm_provider='openai' is not supported here: this library calls Hugging Face only; "
     'pass custom_llm_provider="huggingface" or leave it out.'),
    ({"model": 7}, playground.BadRequestError, "model must be a model id such as 'meta-llama/Llama-2-7b-chat-hf', not 7."),
    ({"model": " "}, playground.BadRequestError,
     'Name a model, e.g. model="meta-llama/Llama-3.1-8B-Instruct", or give api_base for a dedicated endpoint.'),
    ({"timeout": 0}, playground.BadRequestError, "timeout must be a positive number of seconds, not 0."),
    ({"request_timeout": True}, playground.BadRequestError, "timeout must be a positive number of seconds, not True."),
    ({"wait_for_model": -1}, playground.BadRequestError, "wait_for_model must be a number of seconds (or True/False), not -1."),
    ({"context": 3}, playground.BadRequestError, "context must be the text passage the question is about."),
    ({"bill_to": " "}, playground.BadRequestError, "bill_to must be the name of an organisation you belong to, not ' '."),
    ({"stream_options": True}, playground.BadRequestError, 'stream_options must be a dict such as {"include_usage": True}, not True.'),
    ({"n": 2}, playground.BadRequestError,
     "n=2: the playground reads one choice per call; make 2 calls instead (with a seed each for different answers)."),
    ({"frobnicate": 1, "zest": 2}, TypeError, "completion() got unexpected keyword argument(s): frobnicate, zest"),
])
def test_a_call_argument_that_cannot_work_is_refused_with_its_sentence_and_nothing_goes_out(fake, given, error, sentence):
    kwargs = {"model": CHAT_MODEL, "messages": CHAT, "task": "conversational", **given}
    with pytest.raises(error) as caught:
        playground.completion(**kwargs)
    assert str(caught.value) == sentence
    assert [seen for seen in fake.requests if seen.method == "POST"] == []


def test_litellm_argument_names_are_taken_as_their_own(fake):
    """base_url, request_timeout and max_completion_tokens, as the OpenAI client and LiteLLM
    name them; the playground's own names win when both are given; LiteLLM-only switches are ignored."""
    url = fake.endpoint_url("vllm-chat")
    answer = playground.completion(model="", messages=CHAT, base_url=url, request_timeout=30, max_completion_tokens=4,
                                   num_retries=3, drop_params=True)
    assert answer.exchanges[-1].url == f"{url}/v1/chat/completions"
    assert fake.seen("/endpoints/vllm-chat/v1/chat/completions")[-1].body["max_tokens"] == 4
    playground.completion(model="", messages=CHAT, api_base=url, base_url="http://elsewhere.invalid", max_tokens=2,
                          max_completion_tokens=4)
    assert fake.seen("/endpoints/vllm-chat/v1/chat/completions")[-1].body["max_tokens"] == 2
    with pytest.raises(playground.BadRequestError, match="^timeout must be a positive number of seconds, not -1.$"):
        playground.completion(model="", messages=CHAT, api_base=url, timeout=-1, request_timeout=30)


@pytest.mark.parametrize("given", [{"timeout": 0.5}, {"wait_for_model": 0}, {"wait_for_model": 0.5}, {"wait_for_model": False}])
def test_a_timeout_under_a_second_and_a_wait_of_zero_or_under_a_second_are_taken(fake, given):
    answer = playground.completion(model="", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), **given)
    assert answer.choices[0].message.content
