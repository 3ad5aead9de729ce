"""The "Your endpoints" list: each endpoint's label word for word, whichever state the
Endpoints API reports, and the sentence above the list for each way a listing ends (found,
none yet, refused, which token lists them). Listings ask the loopback fake, all in one
event loop (fast)."""

import asyncio

import pytest

from fakehf import NO_PROVIDERS_TOKEN, Reply
from playground import InferenceEndpoint
from playground_ui.my_endpoints import label, list_mine
from playground_ui.settings import AppSettings

TOKEN = "hf_fake_valid_user_token"  # the fake's account with five endpoints in two namespaces
WHOAMI = "/api/whoami-v2"


def endpoint(state: str | None, **more) -> InferenceEndpoint:
    return InferenceEndpoint(name="my-llama", namespace="me", state=state, url=None, model=more.get("model"),
                             engine=more.get("engine"))


@pytest.mark.parametrize("state, said", [
    ("scaledToZero", "scaled to zero"),
    ("initializing", "starting"),
    ("deleting", "deleting"),  # a state the page has no words for: the API's own
    (None, "state unknown"),
    ("", "state unknown"),
])
def test_an_endpoint_s_label_says_its_state_in_plain_words(state, said):
    assert label(endpoint(state)) == f"my-llama (me) · {said}"


def test_an_endpoint_s_label_names_its_model_and_engine_after_its_state():
    assert label(endpoint("running", model="meta-llama/Llama-3.1-8B-Instruct", engine="sglang")) == (
        "my-llama (me) · running · meta-llama/Llama-3.1-8B-Instruct · SGLang")


LISTED = {  # what each listing is asked with: (typed, signed-in)
    "typed": (f" {TOKEN} ", ""),
    "signed in": ("", TOKEN),
    "one": (TOKEN, ""),
    "none": (TOKEN, ""),
    "refused": (NO_PROVIDERS_TOKEN, ""),
}


@pytest.fixture(scope="module")
def listed(fake_server):
    """Every listing above, asked of the fake in one event loop (one connection pool: fast), with
    the Hub's answer scripted for an account with one endpoint and for one with none."""
    fake = fake_server
    with pytest.MonkeyPatch.context() as env:
        for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_API_KEY"):
            env.delenv(name, raising=False)
        env.setenv("HF_ENDPOINT", fake.url)
        env.setenv("HF_ENDPOINTS_API_URL", fake.endpoints_api_url)
        settings = AppSettings.from_env({"HF_ENDPOINT": fake.url, "HF_ENDPOINTS_API_URL": fake.endpoints_api_url})
        fake.requests.clear()
        fake.scripts.clear()

        async def each():
            found = {}
            for name, (typed, signed_in) in LISTED.items():
                if name == "one":
                    fake.script(WHOAMI, Reply(200, {"name": "fake-org", "orgs": []}))
                if name == "none":
                    fake.script(WHOAMI, Reply(200, {"name": "fake-user", "orgs": []}))
                    fake.script("/v2/endpoint/fake-user", Reply(200, {"items": []}))
                found[name] = await list_mine(typed, settings, signed_in)
            return found

        found = asyncio.run(each())
        tokens = {s.headers.get("authorization") for s in fake.requests}
        fake.requests.clear()
        return found, tokens


def test_the_typed_or_signed_in_token_lists_every_endpoint_with_a_count(listed):
    found, tokens = listed
    for listing in (found["typed"], found["signed in"]):
        assert listing.message == "5 endpoints: choose one to chat with it."
        assert [value for _, value in listing.choices] == [
            "fake-user/llama-chat-tgi", "fake-user/llama31-vllm", "fake-user/sleepy-vllm", "fake-user/paused-one",
            "fake-org/org-llamacpp"]
        assert listing.choices[2][0] == "sleepy-vllm (fake-user) · scaled to zero · meta-llama/Llama-3.1-8B-Instruct · vLLM"
    assert tokens == {f"Bearer {TOKEN}", f"Bearer {NO_PROVIDERS_TOKEN}"}  # only the tokens given, never another


def test_one_endpoint_is_counted_in_the_singular_and_an_account_without_any_says_so(listed):
    one, none = listed[0]["one"], listed[0]["none"]
    assert one.message == "1 endpoint: choose one to chat with it." and one.choices == [
        ("org-llamacpp (fake-org) · running · meta-llama/Llama-2-7b-chat-hf · llama.cpp", "fake-org/org-llamacpp")]
    assert none.message == "This token's account and organisations have no Inference Endpoints yet." and none.choices == []


def test_a_token_refused_by_the_endpoints_api_is_said_with_a_warning_sign(listed):
    refused = listed[0]["refused"]
    assert refused.choices == []
    assert refused.message.startswith("⚠️ ") and "may not list Inference Endpoints (HTTP 403)" in refused.message
