"""On a public deployment the connection goes only to an address that was checked: a host
whose DNS answer changes between the check and the connection (DNS rebinding) cannot lead
the server into its own network. Names resolve through stubs here; nothing real is asked."""

import asyncio
from urllib.parse import urlsplit

import pytest

from playground import _netguard, _transport
from playground_ui import AppSettings, protect_process
from playground_ui.local_demo import LOCAL_DEMO
from playground_ui.turn import LOCAL, PUBLIC, TurnInputs, run_turn


@pytest.fixture
def guarded(monkeypatch):
    """The process as app.py leaves it on a Space; put back as it was afterwards."""
    yield lambda settings: protect_process(settings)
    _transport._guarded = None
    _transport._sync_client = None
    _transport._async_clients.clear()


def space(fake) -> AppSettings:
    return AppSettings.from_env({"SPACE_ID": "someone/playground", "HF_INFERENCE_ENDPOINT": fake.inference_url,
                                 "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url})


def turn(settings: AppSettings, **fields):
    async def collect():
        return [u async for u in run_turn([], "Hi", TurnInputs(**fields), settings)]

    return asyncio.run(collect())[-1]


def test_a_dns_answer_that_changes_after_the_check_cannot_reach_a_private_address(fake, guarded, monkeypatch):
    port = urlsplit(fake.url).port
    answers = [["93.184.216.34"], ["127.0.0.1"]]  # public for the check, then the fake's loopback address

    async def rebinding(host, port):
        return answers.pop(0) if len(answers) > 1 else answers[0]

    monkeypatch.setattr(_netguard, "resolve", rebinding)
    settings = space(fake)
    assert guarded(settings)
    # "localhost" is what the system resolver would hand a connection that resolves again by itself.
    final = turn(settings, endpoint=PUBLIC, model="tgi", api_base=f"http://localhost:{port}/endpoints/vllm-chat")
    assert fake.seen("/endpoints/vllm-chat") == []  # nothing reached the private address
    assert final.status == "error" and "leads to a private or local address (127.0.0.1)" in final.error


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept(fake, guarded, monkeypatch):
    port = urlsplit(fake.url).port

    async def resolver(host, port):
        return {"endpoint.example": ["127.0.0.1"]}[host]

    monkeypatch.setattr(_netguard, "resolve", resolver)
    monkeypatch.setattr(_netguard, "is_public", lambda address: address == "127.0.0.1")  # the fake stands for a public host
    settings = space(fake)
    guarded(settings)
    final = turn(settings, endpoint=PUBLIC, model="tgi", api_base=f"http://endpoint.example:{port}/endpoints/vllm-chat")
    assert final.status == "done", final.error
    sent = fake.seen("/endpoints/vllm-chat")
    assert sent and all(s.headers["host"] == f"endpoint.example:{port}" for s in sent)


def test_a_literal_private_address_is_refused_by_the_connection_itself(fake, guarded):
    guarded(space(fake))

    async def probe():
        import httpx

        return await _transport.async_client().get(f"{fake.url}/info")

    with pytest.raises(Exception) as caught:
        asyncio.run(probe())
    assert isinstance(caught.value.__cause__, _netguard.PrivateAddressError)
    assert fake.seen("/info") == []


def test_the_local_demo_still_answers_behind_the_guard(fake, guarded):
    settings = space(fake)
    guarded(settings)
    final = turn(settings, endpoint=LOCAL, model="meta-llama/Llama-2-7b-chat-hf")
    assert final.status == "done" and "canned" in final.reply
    assert LOCAL_DEMO.serves("127.0.0.1", urlsplit(LOCAL_DEMO.url).port)


def test_off_a_public_deployment_nothing_is_guarded(fake, guarded):
    assert not guarded(AppSettings.from_env({"HF_ROUTER_URL": fake.router_url}))
    assert _transport._guarded is None
