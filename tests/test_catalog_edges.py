"""The router's model list at its edges: every field of an offer, odd types, and refusals named for what they are."""

import pytest

import playground
from fakehf import Reply
from playground import ProviderOffer

MODELS = "/v1/models"


def listed(*entries):
    return Reply(200, {"object": "list", "data": list(entries)})


def test_every_figure_of_a_providers_offer_is_read(fake):
    offer = {
        "provider": "together", "status": "live", "context_length": 131072, "pricing": {"input": 0.18, "output": 1},
        "supports_tools": True, "supports_structured_output": False, "throughput": 120.5, "first_token_latency_ms": 380,
        "is_free": True,
    }
    fake.script(MODELS, listed({"id": "org/vision-chat", "providers": [offer],
                                "architecture": {"input_modalities": ["text", "image"], "output_modalities": ["text"]}}))
    [model] = playground.list_models()
    assert model.provider("together") == ProviderOffer(
        provider="together", status="live", context_length=131072, input_price=0.18, output_price=1.0, supports_tools=True,
        supports_structured_output=False, throughput=120.5, first_token_latency_ms=380.0, is_free=True,
    )
    assert model.input_modalities == ("text", "image") and model.vision


def test_a_model_listed_without_its_modalities_takes_text_only(fake):
    fake.script(MODELS, listed({"id": "org/plain", "providers": []}, {"id": "org/odd", "providers": [], "architecture": "x"},
                               {"id": "org/no-list", "providers": [], "architecture": {"input_modalities": "image"}}))
    for model in playground.list_models():
        assert model.input_modalities == ("text",) and not model.vision, model.id


def test_figures_of_the_wrong_type_read_as_unknown_never_as_given(fake):
    offer = {
        "provider": "novita", "status": 5, "context_length": 8192.0, "pricing": {"input": "cheap", "output": True},
        "supports_tools": "yes", "supports_structured_output": 1, "throughput": "fast", "first_token_latency_ms": False,
        "is_free": "no",
    }
    fake.script(MODELS, listed({"id": "org/m", "providers": [offer], "architecture": {"input_modalities": ["text", 3, "image"]}}))
    [model] = playground.list_models()
    assert model.provider("novita") == ProviderOffer(provider="novita")  # everything but the name unknown
    assert not model.supports_tools and model.context_length is None
    assert model.input_modalities == ("text", "image")


def test_asking_for_a_provider_that_does_not_serve_the_model_gives_none(fake):
    models = {m.id: m for m in playground.list_models()}
    llama = models["meta-llama/Llama-3.1-8B-Instruct"]
    assert llama.provider("together") is not None
    assert llama.provider("no-such-provider") is None


def refusal(fake, reply):
    fake.script(MODELS, reply)
    with pytest.raises(playground.APIError) as caught:
        playground.list_models()
    return caught.value


def test_a_refused_model_list_names_inference_providers_and_the_list_and_keeps_the_exchange(fake):
    error = refusal(fake, Reply(503, {"error": "router overloaded"}))
    assert type(error) is playground.ServiceUnavailableError and error.status_code == 503
    assert str(error).startswith("Inference Providers for the model list is unavailable (HTTP 503: router overloaded)")
    assert error.hf_error == "router overloaded"
    [exchange] = error.exchanges
    assert exchange.purpose == "model list (GET /v1/models)"
    assert (exchange.method, exchange.url) == ("GET", f"{fake.router_url}/v1/models")
    assert exchange.status == 503 and "authorization" not in {k.lower() for k in exchange.request_headers}


def test_a_rate_limited_model_list_says_how_long_to_wait(fake):
    error = refusal(fake, Reply(429, {"error": "slow down"}, headers={"retry-after": "30"}))
    assert type(error) is playground.RateLimitError and error.retry_after == 30
    assert "wait 30 s" in str(error)


def test_a_model_list_refused_for_want_of_a_token_does_not_say_a_token_was_refused(fake, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_fake_valid_user_token")  # the list goes without it all the same
    error = refusal(fake, Reply(401, {"error": "Invalid credentials in Authorization header"}))
    assert type(error) is playground.AuthenticationError
    assert "Inference Providers need a Hugging Face token" in str(error) and "refused the token" not in str(error)
    assert "authorization" not in fake.seen(MODELS)[-1].headers


def test_a_model_list_that_is_a_web_page_says_so_and_keeps_the_exchange(fake):
    error = refusal(fake, Reply(200, "<html>hi</html>", "text/html"))
    assert type(error) is playground.APIError
    assert "is not a model list (the endpoint answered with an HTML page, not JSON)" in str(error)
    assert not error.model  # no model is at fault
    [exchange] = error.exchanges
    assert exchange.url == f"{fake.router_url}/v1/models" and exchange.response_body == "<html>hi</html>"
