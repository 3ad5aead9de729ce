"""The app's settings from its environment (README's table): yes/no switches in any of their
usual spellings, numbers refused with a sentence naming the variable, and which token lists a
person's endpoints."""

from __future__ import annotations

import pytest

from playground_ui.my_endpoints import listing_token
from playground_ui.settings import AppSettings

SERVER_TOKEN = "hf_server_canary_token_000222"


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " Yes ", "on", "On"])
def test_a_switch_is_on_in_any_usual_spelling(value):
    assert AppSettings.from_env({"PLAYGROUND_VISITORS_USE_SERVER_TOKEN": value}).visitors_use_server_token is True


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off", "y"])
def test_a_switch_is_off_otherwise(value):
    assert AppSettings.from_env({"PLAYGROUND_VISITORS_USE_SERVER_TOKEN": value}).visitors_use_server_token is False


def test_a_number_setting_that_is_not_one_stops_the_app_with_a_sentence():
    with pytest.raises(SystemExit) as stopped:
        AppSettings.from_env({"PLAYGROUND_CONCURRENCY": "many"})
    assert str(stopped.value) == "PLAYGROUND_CONCURRENCY='many' is not a whole number; set it to e.g. 256."
    with pytest.raises(SystemExit) as stopped:
        AppSettings.from_env({"PLAYGROUND_MAX_SESSIONS": "0"})
    assert str(stopped.value) == "PLAYGROUND_MAX_SESSIONS must be at least 1, not 0."


def test_the_servers_token_lists_endpoints_only_where_both_listing_hosts_are_trusted():
    mirror = {"HF_TOKEN": SERVER_TOKEN, "HF_ENDPOINT": "https://hub.example.org", "HF_ENDPOINTS_API_URL": "https://api.example.org"}
    assert listing_token("", AppSettings.from_env({**mirror, "PLAYGROUND_TOKEN_HOSTS": "hub.example.org,api.example.org"})) == SERVER_TOKEN
    assert listing_token("", AppSettings.from_env({**mirror, "PLAYGROUND_TOKEN_HOSTS": "hub.example.org"})) is None
    assert listing_token("", AppSettings.from_env({**mirror, "PLAYGROUND_TOKEN_HOSTS": "api.example.org"})) is None
    assert listing_token(" hf_typed ", AppSettings.from_env(mirror)) == "hf_typed"  # what the person typed goes where they asked


def test_with_nothing_set_the_app_holds_no_token_trusts_no_extra_host_and_opens_on_the_local_demo():
    plain = AppSettings.from_env({})
    assert (plain.server_token, plain.token_hosts, plain.default_endpoint) == (None, (), "local")
    assert AppSettings.from_env({"HF_TOKEN": SERVER_TOKEN}).default_endpoint == "default"  # with a token: Inference Providers


@pytest.mark.parametrize("kind", ["default", "public", "private", "local"])
def test_the_page_opens_on_the_endpoint_kind_set(kind):
    assert AppSettings.from_env({"PLAYGROUND_DEFAULT_ENDPOINT": kind.upper()}).default_endpoint == kind


def test_the_limits_set_are_the_limits_used():
    settings = AppSettings.from_env({"PLAYGROUND_CONCURRENCY": "8", "PLAYGROUND_MAX_SESSIONS": "5", "PLAYGROUND_VISITOR_TURNS_PER_HOUR": "3"})
    assert (settings.concurrency, settings.max_sessions, settings.visitor_turns_per_hour) == (8, 5, 3)
    assert (AppSettings.from_env({}).concurrency, AppSettings.from_env({}).max_sessions) == (256, 1000)  # README's defaults


def test_the_endpoint_the_page_opens_on_and_the_trusted_hosts_are_read_in_any_capitals():
    settings = AppSettings.from_env({"PLAYGROUND_DEFAULT_ENDPOINT": " Public ", "PLAYGROUND_TOKEN_HOSTS": " TGI.Example.org , "})
    assert (settings.default_endpoint, settings.token_hosts) == ("public", ("tgi.example.org",))
    with pytest.raises(SystemExit) as stopped:
        AppSettings.from_env({"PLAYGROUND_DEFAULT_ENDPOINT": "elsewhere"})
    assert str(stopped.value) == "PLAYGROUND_DEFAULT_ENDPOINT='elsewhere': use default, public, private or local."
