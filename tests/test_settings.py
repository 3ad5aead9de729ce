"""The environment variables a user sets, each doing what the README says, read at each call;
a bad value refused with a sentence naming the variable and a value that works."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import playground
from playground import _settings
from playground._settings import Settings

CHAT = [{"role": "user", "content": "What is the capital of France?"}]
ZEPHYR = "HuggingFaceH4/zephyr-7b-beta"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"  # served by the router
TOKEN = "hf_fake_valid_user_token"  # one the fake accepts


@pytest.mark.parametrize(("name", "default", "field"), [
    ("PLAYGROUND_CONNECT_TIMEOUT", "10", "connect_timeout"), ("PLAYGROUND_READ_TIMEOUT", "120", "read_timeout"),
    ("PLAYGROUND_WAIT_FOR_MODEL", "120", "wait_for_model"), ("PLAYGROUND_MAX_RESPONSE_MB", "16", "max_response_bytes")])
def test_a_number_that_is_not_one_is_refused_with_a_value_that_works(name, default, field, monkeypatch):
    monkeypatch.setenv(name, " ten ")
    with pytest.raises(ValueError) as caught:
        playground.completion(model=ZEPHYR, messages=CHAT)
    assert str(caught.value) == f"{name}='ten' is not a number; set it to e.g. {default}."
    monkeypatch.setenv(name, "0")
    with pytest.raises(ValueError) as caught:
        playground.completion(model=ZEPHYR, messages=CHAT)
    assert str(caught.value) == f"{name} must be a positive number, not '0'."
    monkeypatch.setenv(name, "  ")  # blank: the default
    assert getattr(Settings.from_env(), field) == getattr(Settings, field)


def test_the_model_wait_comes_from_the_environment(fake, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_WAIT_FOR_MODEL", "45")
    answer = playground.completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-cold"), max_tokens=1)
    assert answer.choices[0].message.content == " Paris"
    assert {seen.headers.get("x-scale-up-timeout") for seen in fake.seen("/endpoints/vllm-cold")} == {"45"}


def test_urls_set_with_a_trailing_slash_work(fake, monkeypatch):
    for name in ("HF_INFERENCE_ENDPOINT", "HF_ENDPOINT", "HF_ROUTER_URL", "HF_ENDPOINTS_API_URL"):
        monkeypatch.setenv(name, os.environ[name] + "/")  # the fake's URLs, as the fixture set them
    answer = playground.completion(model=LLAMA, messages=CHAT, max_tokens=2, api_key=TOKEN)  # the Hub, then the router
    assert answer.choices[0].message.content
    qa = playground.completion(model="deepset/roberta-base-squad2", messages=CHAT, context="Paris is the capital of France.")
    assert qa.choices[0].message.content == "France"  # hf-inference
    assert playground.list_endpoints(api_key=TOKEN)  # the Endpoints API
    assert fake.requests and all("//" not in seen.path for seen in fake.requests)


@pytest.mark.parametrize("value", ["1", "true", "Yes", " ON "])
def test_hub_offline_in_any_spelling_skips_the_hub(fake, monkeypatch, value):
    monkeypatch.setenv("HF_HUB_OFFLINE", value)
    answer = playground.completion(model=LLAMA, messages=CHAT, max_tokens=2, api_key=TOKEN)
    assert answer.choices[0].message.content
    assert not [seen for seen in fake.requests if seen.path.startswith("/api/models")]


def test_oidc_logins_are_asked_for_at_each_call(fake, monkeypatch):
    """With HF_OIDC_RESOURCE the saved login is an OIDC exchange whose token changes; each
    call takes the token huggingface_hub gives it then."""
    import huggingface_hub

    tokens = iter(["hf_fake_valid_user_token", "hf_fake_private_endpoint_token"])
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: next(tokens))
    monkeypatch.setenv("HF_OIDC_RESOURCE", "https://example.test/resource")
    for _ in range(2):
        playground.completion(model=ZEPHYR, messages=CHAT, max_tokens=1, task="conversational")
    sent = [seen.headers.get("authorization") for seen in fake.requests if seen.method == "POST"]
    assert sent == ["Bearer hf_fake_valid_user_token", "Bearer hf_fake_private_endpoint_token"]


def test_a_mapping_given_is_read_instead_of_the_environment(monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://from-the-environment.test")
    settings = Settings.from_env({"HF_ENDPOINT": "http://given.test/", "HF_OIDC_RESOURCE": "r", "PLAYGROUND_READ_TIMEOUT": "7"})
    assert settings.hub_endpoint == "http://given.test" and settings.oidc_resource == "r" and settings.read_timeout == 7
    assert Settings.from_env().hub_endpoint == "http://from-the-environment.test"


def test_the_first_read_in_a_process_works(monkeypatch):
    monkeypatch.setattr(_settings, "_last", None)
    assert Settings.from_env().read_timeout == 120.0
    code = "import playground; from playground._settings import Settings; print(Settings.from_env().connect_timeout)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PLAYGROUND_CONNECT_TIMEOUT": "3"}, cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "3.0", out.stderr
