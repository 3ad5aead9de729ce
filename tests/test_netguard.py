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
    _transport._sync_pool = None
    _transport._async_pools.clear()


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
    assert final.status == "error" and "localhost leads to a private or local address (127.0.0.1)" in final.error


def test_the_connection_goes_to_the_checked_address_with_the_host_name_kept(fake, guarded, monkeypatch):
    port = urlsplit(fake.url).port

    asked = []

    async def resolver(host, port):
        asked.append((host, port))
        return {"endpoint.example": ["127.0.0.1"]}[host]

    monkeypatch.setattr(_netguard, "resolve", resolver)
    monkeypatch.setattr(_netguard, "is_public", lambda address: address == "127.0.0.1")  # the fake stands for a public host
    settings = space(fake)
    guarded(settings)
    final = turn(settings, endpoint=PUBLIC, model="tgi", api_base=f"http://endpoint.example:{port}/endpoints/vllm-chat")
    assert final.status == "done", final.error
    sent = fake.seen("/endpoints/vllm-chat")
    assert sent and all(s.headers["host"] == f"endpoint.example:{port}" for s in sent)
    assert set(asked) == {("endpoint.example", port)}


def test_a_literal_private_address_is_refused_by_the_connection_itself(fake, guarded):
    guarded(space(fake))

    async def probe():
        return await _transport.async_pool().client.get(f"{fake.url}/info")

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


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.7", "169.254.169.254", "0.0.0.0",
    "100.100.100.200",  # 100.64.0.0/10, shared address space: some clouds keep their metadata service there
    "198.18.0.1",  # 198.18.0.0/15, benchmarking
    "240.0.0.1", "255.255.255.255",  # reserved, broadcast
    "224.0.0.251", "ff02::fb",  # multicast
    "::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0",  # IPv6 loopback, unique local, link-local (with a zone)
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b:1::a00:1",  # IPv4-mapped, local-use NAT64
    "64:ff9b::a9fe:a9fe", "2002:a00:1::1",  # NAT64 and 6to4 addresses that lead to 169.254.169.254 and 10.0.0.1
    "::7f00:1", "::ffff:0:a00:1", "fec0::1",  # IPv4-compatible, IPv4-translated, site-local
])
def test_every_special_range_counts_as_private(address):
    assert not _netguard.is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34", "64:ff9b::5db8:d822"])
def test_public_addresses_pass(address):
    assert _netguard.is_public(address)


def test_a_host_with_one_private_address_among_public_ones_is_refused_and_an_empty_answer_fails():
    with pytest.raises(_netguard.PrivateAddressError) as refused:
        _netguard._checked("mixed.example", ["93.184.216.34", "192.168.1.7"])
    assert str(refused.value) == (
        "mixed.example leads to a private or local address (192.168.1.7), which this public playground does not call: "
        "use the endpoint's public URL, or run the playground yourself to reach your own network.")
    assert _netguard._checked("public.example", ["93.184.216.34", "2606:4700:4700::1111", "93.184.216.34"]) == [
        "93.184.216.34", "2606:4700:4700::1111"]
    with pytest.raises(OSError, match="did not resolve"):
        _netguard._checked("nowhere.example", [])


def test_the_synchronous_client_is_guarded_too(fake, guarded, monkeypatch):
    import playground

    port = urlsplit(fake.url).port
    monkeypatch.setattr(_netguard, "resolve_sync", lambda host, port: {"rebound.example": ["127.0.0.1"]}.get(host, [host]))
    guarded(space(fake))
    with pytest.raises(playground.APIConnectionError) as caught:
        playground.completion(model="tgi", messages=[{"role": "user", "content": "Hi"}],
                              api_base=f"http://rebound.example:{port}/endpoints/vllm-chat", api_key=False)
    assert caught.value.code == "private_address" and "rebound.example leads to a private or local address" in caught.value.message
    with pytest.raises(playground.APIConnectionError):  # a literal address, resolved by nobody
        playground.completion(model="tgi", messages=[{"role": "user", "content": "Hi"}], api_base=fake.endpoint_url("vllm-chat"), api_key=False)
    assert fake.seen("/endpoints/vllm-chat") == []


def test_a_name_that_does_not_resolve_reads_as_a_connection_failure(fake, guarded, monkeypatch):
    async def nowhere(host, port):
        raise OSError("Name or service not known")

    monkeypatch.setattr(_netguard, "resolve", nowhere)
    settings = space(fake)
    guarded(settings)
    import playground

    async def call():
        return await playground.acompletion(model="tgi", messages=[{"role": "user", "content": "Hi"}],
                                            api_base="http://nowhere.example/endpoints/x", api_key=False)

    with pytest.raises(playground.APIConnectionError) as caught:
        asyncio.run(call())
    assert caught.value.code != "private_address" and "nowhere.example" in caught.value.message
    assert "Name or service not known" in caught.value.message  # what the resolver said, for the person to read


def test_the_synchronous_client_connects_to_the_checked_address_with_the_host_name_kept(fake, guarded, monkeypatch):
    import playground

    port = urlsplit(fake.url).port
    asked = []

    def resolver(host, port):
        asked.append((host, port))
        return ["127.0.0.1"]

    monkeypatch.setattr(_netguard, "resolve_sync", resolver)
    monkeypatch.setattr(_netguard, "is_public", lambda address: address == "127.0.0.1")  # the fake stands for a public host
    guarded(space(fake))
    answer = playground.completion(model="tgi", messages=[{"role": "user", "content": "Hi"}],
                                   api_base=f"http://endpoint.example:{port}/endpoints/vllm-chat", api_key=False)
    assert answer.choices[0].message.content
    assert asked and set(asked) == {("endpoint.example", port)}
    assert all(s.headers["host"] == f"endpoint.example:{port}" for s in fake.seen("/endpoints/vllm-chat"))


def test_a_slow_name_resolution_is_a_timeout_not_a_hang(fake, guarded, monkeypatch):
    import playground

    async def slow(host, port):
        await asyncio.sleep(30)

    monkeypatch.setattr(_netguard, "resolve", slow)
    monkeypatch.setenv("PLAYGROUND_CONNECT_TIMEOUT", "0.5")
    guarded(space(fake))

    async def call():
        return await playground.acompletion(model="tgi", messages=[{"role": "user", "content": "Hi"}],
                                            api_base="http://slow.example/endpoints/x", api_key=False)

    with pytest.raises(playground.Timeout):
        asyncio.run(call())


def test_when_the_first_checked_address_does_not_answer_the_next_one_is_tried(fake, guarded, monkeypatch):
    import playground

    port = urlsplit(fake.url).port
    monkeypatch.setattr(_netguard, "resolve", lambda host, port: asyncio.sleep(0, ["127.0.0.2", "127.0.0.1", "127.0.0.3"]))
    monkeypatch.setattr(_netguard, "is_public", lambda address: address.startswith("127."))  # both stand for public hosts
    guarded(space(fake))

    async def call():
        return await playground.acompletion(model="tgi", messages=[{"role": "user", "content": "Hi"}],
                                            api_base=f"http://two.example:{port}/endpoints/vllm-chat", api_key=False)

    assert asyncio.run(call()).choices[0].message.content  # 127.0.0.2 has nothing on the port: 127.0.0.1 answers
    monkeypatch.setattr(_netguard, "resolve_sync", lambda host, port: ["127.0.0.2", "127.0.0.1", "127.0.0.3"])
    answer = playground.completion(model="tgi", messages=[{"role": "user", "content": "Hi"}],
                                   api_base=f"http://two.example:{port}/endpoints/vllm-chat", api_key=False)
    assert answer.choices[0].message.content  # the synchronous client tries them in turn too


def test_the_real_resolvers_answer_for_a_name_the_machine_knows():
    """localhost is in every machine's hosts file: no network is asked."""
    assert "127.0.0.1" in _netguard.resolve_sync("localhost", 80) or "::1" in _netguard.resolve_sync("localhost", 80)
    found = asyncio.run(_netguard.resolve("localhost", 80))
    assert set(found) & {"127.0.0.1", "::1"} and all(isinstance(a, str) for a in found)
