"""How long what the Hub says of a model is remembered, and what of its provider mapping is read."""

import time
from types import SimpleNamespace

import pytest

import playground
from fakehf import Reply
from playground import completion

CHAT = [{"role": "user", "content": "Tell me about Paris."}]
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
TOKEN = "hf_fake_valid_user_token"  # the router serves it and needs one


@pytest.fixture
def later(monkeypatch):
    """Move the look-up cache's clock forward by some seconds."""
    from playground import _tasks

    ahead = [0.0]
    monkeypatch.setattr(_tasks, "time", SimpleNamespace(monotonic=lambda: time.monotonic() + ahead[0]))

    def move(seconds: float) -> None:
        ahead[0] = seconds

    return move


def test_the_hubs_answer_is_remembered_for_an_hour_not_a_minute(fake, later):
    completion(model=LLAMA, messages=CHAT, max_tokens=2, api_key=TOKEN)
    later(30 * 60)
    completion(model=LLAMA, messages=CHAT, max_tokens=2, api_key=TOKEN)
    assert len(fake.seen("/api/models/")) == 1
    later(61 * 60)
    completion(model=LLAMA, messages=CHAT, max_tokens=2, api_key=TOKEN)
    assert len(fake.seen("/api/models/")) == 2  # providers come and go: asked again after the hour


def test_a_hub_that_failed_is_asked_again_after_a_minute_not_an_hour(fake, later):
    fake.script(f"/api/models/{LLAMA}", Reply(500, {"error": "hub down"}))
    completion(model=LLAMA, messages=CHAT, max_tokens=2, api_key=TOKEN)
    completion(model=LLAMA, messages=CHAT, max_tokens=2, api_key=TOKEN)
    assert len(fake.seen("/api/models/")) == 1  # an offline machine does not pay the look-up on every call
    later(2 * 60)
    completion(model=LLAMA, messages=CHAT, max_tokens=2, api_key=TOKEN)
    assert len(fake.seen("/api/models/")) == 2


def test_a_provider_mapping_keeps_only_named_providers_and_only_text_fields():
    from playground._tasks import ProviderMapping, parse_provider_mapping

    junk = [{"provider": ""}, {"providerId": "x", "status": "live"}, {"provider": 5, "status": "live"},
            {"provider": "together", "providerId": 7, "status": "live"}]
    assert parse_provider_mapping(junk) == (ProviderMapping("together", None, "live", None),)
    assert parse_provider_mapping({"": {"status": "live"}, "novita": {"task": "conversational"}}) == (
        ProviderMapping("novita", None, None, "conversational"),)


def test_an_engine_the_playground_does_not_know_is_named_as_the_endpoints_api_names_it():
    from playground_ui.my_endpoints import label

    odd = playground.InferenceEndpoint("odd", "fake-user", "running", None, "org/model", "tensorRT")
    assert playground.engine_name("tensorRT") == "tensorRT"
    assert label(odd) == "odd (fake-user) · running · org/model · tensorRT"
