"""The page's own check of an endpoint URL on a public deployment (netguard.check_public_url),
before anything is sent: the refusal a person reads, which name is looked up and on which
port, and the URLs it lets through to fail by themselves. Names resolve through a stub that
records what it was asked; nothing real is asked and nothing is sent."""

import asyncio

import pytest

from playground import _netguard
from playground_ui.netguard import PrivateAddressRefused, check_public_url
from playground_ui.settings import AppSettings
from playground_ui.turn import PUBLIC, TurnInputs, run_turn

SENTENCE = ("{host} leads to a private or local address ({address}), which this public playground does not call: "
            "use the endpoint's public URL, or run the playground yourself to reach your own network.")


@pytest.fixture
def asked(monkeypatch) -> list[tuple[str, int]]:
    """The stub's record of each (name, port) looked up; it knows one name, on a private network."""
    record: list[tuple[str, int]] = []

    async def resolver(host, port):
        record.append((host, port))
        if host == "intranet.example":
            return ["93.184.216.34", "10.1.2.3"]
        raise OSError("Name or service not known")

    monkeypatch.setattr(_netguard, "resolve", resolver)
    return record


def refusal_of(url: str) -> str | None:
    try:
        asyncio.run(check_public_url(url))
    except PrivateAddressRefused as refused:
        return str(refused)
    return None


def test_on_a_space_a_name_leading_into_a_private_network_is_refused_before_anything_is_sent(asked, fake):
    space = AppSettings.from_env({"SPACE_ID": "someone/playground", "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url})

    inputs = TurnInputs(endpoint=PUBLIC, model="tgi", api_base="http://intranet.example/v1")

    async def turn():
        return [u async for u in run_turn([], "Hi", inputs, space)][-1]

    final = asyncio.run(turn())
    assert (final.status, final.error) == ("refused", SENTENCE.format(host="intranet.example", address="10.1.2.3"))
    assert fake.requests == []


def test_a_literal_private_address_is_refused_by_itself_without_asking_a_resolver(asked):
    assert refusal_of("http://[::1]:8080/v1") == SENTENCE.format(host="::1", address="::1")
    assert refusal_of("https://10.0.0.7") == SENTENCE.format(host="10.0.0.7", address="10.0.0.7")
    assert asked == []


@pytest.mark.parametrize("url, port", [
    ("https://intranet.example/v1", 443),
    ("http://intranet.example/v1", 80),
    ("https://intranet.example:8443/v1", 8443),
])
def test_the_name_is_looked_up_for_the_port_the_request_will_use(asked, url, port):
    assert refusal_of(url) is not None
    assert asked == [("intranet.example", port)]


def test_a_url_without_a_host_or_a_name_that_does_not_resolve_is_left_to_fail_by_itself(asked):
    assert refusal_of("") is None and refusal_of("file:///etc/hosts") is None
    assert asked == []  # nothing to look up: no name is made up
    # A space before an address is not that address: the name as written is looked up (and fails).
    assert refusal_of("http:// 10.0.0.1:8080/") is None
    assert asked == [(" 10.0.0.1", 8080)]
