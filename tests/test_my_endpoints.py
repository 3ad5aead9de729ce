"""Listing a token's Inference Endpoints (the Hub's whoami, then the Endpoints API)."""

import asyncio

import pytest

import playground
from fakehf import NO_PROVIDERS_TOKEN

TOKEN = "hf_fake_valid_user_token"


def test_lists_the_users_and_organisations_endpoints(fake):
    found = {e.name: e for e in playground.list_endpoints(api_key=TOKEN)}
    assert list(found) == ["llama-chat-tgi", "llama31-vllm", "sleepy-vllm", "paused-one", "org-llamacpp"]
    vllm = found["llama31-vllm"]
    assert (vllm.namespace, vllm.state, vllm.url, vllm.model, vllm.engine, vllm.public) == (
        "fake-user", "running", fake.endpoint_url("vllm-chat"), "meta-llama/Llama-3.1-8B-Instruct", "vllm", True)
    assert found["paused-one"].url is None and found["paused-one"].state == "paused"
    assert found["org-llamacpp"].namespace == "fake-org" and found["org-llamacpp"].engine == "llamacpp"
    assert not found["llama-chat-tgi"].public
    seen = [(s.path, s.headers.get("authorization")) for s in fake.requests]
    assert seen == [("/api/whoami-v2", f"Bearer {TOKEN}")] + [(f"/v2/endpoint/{ns}", f"Bearer {TOKEN}") for ns in ("fake-user", "fake-org", "no-billing-org")]


def test_an_organisation_the_token_cannot_see_is_skipped_but_a_refused_user_is_said(fake):
    with pytest.raises(playground.PermissionDeniedError) as caught:
        playground.list_endpoints(api_key=NO_PROVIDERS_TOKEN)
    assert "may not list Inference Endpoints (HTTP 403)" in str(caught.value) and "Chatting still works" in str(caught.value)
    with pytest.raises(playground.AuthenticationError, match="wrong or revoked"):
        asyncio.run(playground.alist_endpoints(api_key="hf_fake_not_a_token"))
    with pytest.raises(playground.AuthenticationError, match="needs a Hugging Face token"):
        playground.list_endpoints(api_key=False)
    assert [s.path for s in fake.requests][-1] == "/api/whoami-v2"  # the refused token went no further


def test_the_token_never_goes_to_a_hub_mirror(fake, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "https://hub-mirror.invalid")
    with pytest.raises(playground.BadRequestError, match="only sent to Hugging Face hosts"):
        playground.list_endpoints(api_key=TOKEN)
    monkeypatch.setenv("HF_ENDPOINT", fake.url)
    monkeypatch.setenv("HF_ENDPOINTS_API_URL", "http://endpoints.huggingface.cloud.invalid/v2")
    with pytest.raises(playground.BadRequestError, match="only sent to Hugging Face hosts"):
        playground.list_endpoints(api_key=TOKEN)
    assert fake.requests == []


def test_the_route_info_of_a_dedicated_endpoint_says_what_it_serves(fake):
    info = playground.resolve_route("", api_base=fake.endpoint_url("vllm-chat"))
    assert (info.engine, info.engine_version, info.served_model) == ("vllm", "0.11.0", "llama-3-1-8b-instruct-xyz")
    info = playground.resolve_route("tgi", api_base=fake.endpoint_url("public-base"))
    assert (info.engine, info.engine_version, info.served_model) == ("tgi", "3.2.1", "meta-llama/Llama-2-7b-hf")


SERVER = "hf_server_canary_token_listing_000"


def test_the_servers_token_lists_endpoints_only_off_a_space_and_only_toward_hugging_face():
    from playground_ui.my_endpoints import listing_token
    from playground_ui.settings import AppSettings

    assert listing_token("", AppSettings.from_env({"HF_TOKEN": SERVER})) == SERVER  # self-hosted: the owner's own page
    assert listing_token("", AppSettings.from_env({"HF_TOKEN": SERVER, "SPACE_ID": "someone/playground"})) is None
    assert listing_token(" hf_typed ", AppSettings.from_env({"HF_TOKEN": SERVER, "SPACE_ID": "someone/playground"})) == "hf_typed"
    assert listing_token("", AppSettings.from_env({"HF_TOKEN": SERVER, "HF_ENDPOINT": "https://hub-mirror.invalid"})) is None
    assert listing_token("", AppSettings.from_env({})) is None


def test_on_a_space_an_empty_token_box_lists_nothing_and_says_why(monkeypatch):
    from playground_ui import my_endpoints
    from playground_ui.settings import AppSettings

    async def must_not_list(**kwargs):
        raise AssertionError("the server's token must not list endpoints on a Space")

    monkeypatch.setattr(my_endpoints, "alist_endpoints", must_not_list)
    listing = asyncio.run(my_endpoints.list_mine("", AppSettings.from_env({"HF_TOKEN": SERVER, "SPACE_ID": "someone/playground"})))
    assert listing.choices == [] and listing.message.startswith("Type a Hugging Face token in the Token box")


def test_choosing_an_endpoint_sets_the_kind_url_model_and_says_its_state(fake):
    from playground_ui.my_endpoints import choose, label

    found = {e.name: e for e in playground.list_endpoints(api_key=TOKEN)}
    chosen = choose(found["llama-chat-tgi"])
    assert (chosen.kind, chosen.url, chosen.model) == ("private", fake.endpoint_url("private-chat"), "meta-llama/Llama-2-7b-chat-hf")
    assert choose(found["llama31-vllm"]).kind == "public"
    assert "the first message wakes it" in choose(found["sleepy-vllm"]).sentence
    assert "paused" in choose(found["paused-one"]).sentence and choose(found["paused-one"]).url == ""
    assert label(found["org-llamacpp"]) == "org-llamacpp (fake-org) · running · meta-llama/Llama-2-7b-chat-hf · llama.cpp"


def test_a_scaled_to_zero_endpoint_chosen_from_the_list_is_woken_with_a_countdown(fake):
    from playground_ui.my_endpoints import choose
    from playground_ui.settings import AppSettings
    from playground_ui.turn import TurnInputs, run_turn

    sleepy = choose(next(e for e in playground.list_endpoints(api_key=TOKEN) if e.name == "sleepy-vllm"))
    inputs = TurnInputs(endpoint=sleepy.kind, model=sleepy.model, api_base=sleepy.url, max_tokens=2)
    settings = AppSettings.from_env({"HF_INFERENCE_ENDPOINT": fake.inference_url, "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url})

    async def collect():
        return [u async for u in run_turn([], "Hi", inputs, settings)]

    updates = asyncio.run(collect())
    assert any(u.status == "loading" and "The endpoint is starting" in u.reply for u in updates)  # the wait is shown
    assert updates[-1].status == "done" and updates[-1].reply == " Paris is"
