"""The "Check endpoint" button as a person sees it: the line shown while it checks, then a
panel of sentences with a green, amber or red mark and the probes folded under it (the
page's own ``on_doctor`` event, called as Gradio calls it)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import gradio as gr
import pagecalls
import pytest
from gradio.helpers import special_args
from pagecalls import fake_settings

from playground_ui import AppSettings, build_app
from playground_ui import doctor as doctor_module
from playground_ui import turn as turn_module
from playground_ui.doctor import checking_html
from playground_ui.turn import TurnInputs
from playground_ui.visitors import Budget

PRIVATE_TOKEN = "hf_fake_private_endpoint_token"  # the fake private endpoint's own token
SIGNED_IN = "hf_fake_valid_user_token"  # the fake router knows it
CHAT_MODEL = "meta-llama/Llama-2-7b-chat-hf"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture(scope="module")
def app(fake_server):
    return build_app(fake_settings(fake_server))


def doctor_event(demo: gr.Blocks):
    [found] = [f for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "on_doctor"]
    return found


def request(address: str = "93.184.216.34", oauth: str | None = None) -> gr.Request:
    return pagecalls.request(address, oauth)


def check(demo_or_fn, kind: str, model: str = "", url: str = "", typed: str = "", route: str = "auto", **who) -> list[str]:
    """What the report box shows, update by update, after a click on Check endpoint."""
    fn = doctor_event(demo_or_fn).fn if isinstance(demo_or_fn, gr.Blocks) else demo_or_fn
    args, *_ = special_args(fn, inputs=[kind, model, url, typed, route], request=request(**who))

    async def collect():
        return [shown async for shown in fn(*args)]

    return asyncio.run(collect())


def item(level: str, colour: str, sentence: str) -> str:
    return f'<li class="doctor-{level}"><span class="doctor-mark" title="{colour}" aria-label="{colour}">●</span> {sentence}</li>'


# --- While it checks ---------------------------------------------------------------------


@pytest.mark.parametrize("inputs, where", [
    (TurnInputs(endpoint="public", api_base=" https://xyz.endpoints.huggingface.cloud/v1/ "), "xyz.endpoints.huggingface.cloud"),
    (TurnInputs(endpoint="private", api_base="https://a.example:8443"), "a.example:8443"),
    (TurnInputs(endpoint="private", api_base="x" * 100), "x" * 80),  # no address to read: its start
    (TurnInputs(endpoint="local", model="gpt2"), "Local demo"),
    (TurnInputs(endpoint="default", model=" gpt2 ", api_base="https://stale.example"), "gpt2 on the serverless Inference API"),
    (TurnInputs(endpoint="default", model=""), "no model on the serverless Inference API"),
    (TurnInputs(endpoint="default", model=None, api_base=None), "no model on the serverless Inference API"),
    (TurnInputs(endpoint="public", model="gpt2", api_base=None), "gpt2 on the serverless Inference API"),
    (TurnInputs(endpoint="default", model="<b>m</b>"), "&lt;b&gt;m&lt;/b&gt; on the serverless Inference API"),
])
def test_while_checking_the_panel_names_where_the_check_goes(inputs, where):
    assert checking_html(inputs) == f'<div class="doctor-panel">Checking {where}…</div>'


def test_the_first_thing_a_click_shows_is_where_it_checks(app, fake):
    first, last = check(app, "public", "", "")
    assert first == '<div class="doctor-panel">Checking no model on the serverless Inference API…</div>'
    assert first != last


# --- Refusals: nothing sent ----------------------------------------------------------------


def test_settings_that_cannot_be_checked_get_one_red_sentence_and_nothing_is_sent(app, fake):
    *_, shown = check(app, "public", "gpt2", "  ")
    assert shown == (
        '<div class="doctor-panel doctor-fail-panel"><strong>Endpoint check: nothing was sent.</strong><ul>'
        + item("fail", "red", "Paste the endpoint&#x27;s URL in the API base URL box (it looks like https://xyz.endpoints.huggingface.cloud).")
        + "</ul></div>"
    )
    assert fake.requests == []


def test_a_token_the_library_will_not_send_is_refused_in_the_panel(app, fake):
    *_, shown = check(app, "default", "gpt2", typed="hf_test not_a_real_token")
    assert shown.startswith('<div class="doctor-panel doctor-fail-panel"><strong>Endpoint check: nothing was sent.</strong><ul><li class="doctor-fail">')
    assert shown.endswith("</li></ul></div>")  # no probes to fold under it: none was sent
    assert "hf_test not_a_real_token" not in shown and fake.requests == []


def test_a_bug_of_ours_is_a_red_sentence_and_a_log_line_without_the_token(app, fake, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(doctor_module, "acheck_endpoint", broken)
    with caplog.at_level(logging.ERROR, logger="playground_ui"):
        *_, shown = check(app, "private", CHAT_MODEL, fake.endpoint_url("private-chat"), typed=PRIVATE_TOKEN)
    assert shown == (
        '<div class="doctor-panel doctor-fail-panel"><strong>Endpoint check: nothing was sent.</strong><ul>'
        + item("fail", "red", "The check failed inside the playground; the server log has the details. Try again, or report it.")
        + "</ul></div>"
    )
    [record] = caplog.records
    assert record.getMessage() == (f"endpoint check failed for TurnInputs(endpoint='private', model='{CHAT_MODEL}', "
                                   f"api_base='{fake.endpoint_url('private-chat')}', token=set, signed_in=no)")
    assert record.exc_info and PRIVATE_TOKEN not in caplog.text


# --- Reports -------------------------------------------------------------------------------


def probes(shown: str) -> str:
    return shown[shown.index("<details"):]


def test_a_healthy_private_endpoint_is_a_green_panel_with_its_three_probes_folded_under_it(app, fake):
    url = fake.endpoint_url("private-chat")
    host = url.split("/")[2]
    first, shown = check(app, "private", CHAT_MODEL, url, typed=PRIVATE_TOKEN)
    assert first == f'<div class="doctor-panel">Checking {host}…</div>'
    assert shown.startswith(
        '<div class="doctor-panel doctor-ok-panel"><strong>Endpoint check: Ready to chat.</strong>'
        f' <span class="doctor-where">({host})</span><ul><li class="doctor-ok"><span class="doctor-mark" title="green" aria-label="green">●</span> '
    )
    assert "TGI 3.2.1 serves meta-llama/Llama-2-7b-chat-hf" in shown and "can chat with this endpoint" in shown
    sentences = shown[shown.index("<ul>") + 4:shown.index("</ul>")]
    assert sentences.startswith("<li ") and sentences.endswith("</li>") and sentences.count("</li><li ") >= 2  # one line each
    folded = probes(shown)
    assert folded.startswith('<details class="doctor-probes"><summary>What the check sent (3 requests)</summary><pre>')
    assert folded.endswith("</pre></details>")
    requests_part, _, replies = folded.partition("### reply to ")
    assert f"GET {url}/health" in requests_part and requests_part.endswith("\n\n")  # the requests, then the replies
    assert "HTTP 200" in replies and replies.count("### reply to ") == 2  # the first is the partition's
    assert PRIVATE_TOKEN not in shown


def test_the_route_chosen_is_the_one_the_check_probes(app, fake):
    *_, shown = check(app, "private", CHAT_MODEL, fake.endpoint_url("private-chat"), typed=PRIVATE_TOKEN, route="text generation")
    sent = [s.path for s in fake.seen("/endpoints/private-chat") if s.method == "POST"]
    assert sent and not any(path.endswith("/v1/chat/completions") for path in sent)
    assert "text-generation" in shown


def test_a_private_endpoint_checked_without_a_token_says_it_needs_one(app, fake):
    *_, shown = check(app, "private", CHAT_MODEL, fake.endpoint_url("private-chat"))
    assert shown.startswith('<div class="doctor-panel doctor-fail-panel"><strong>Endpoint check: Needs attention before it can chat.</strong>')
    assert "needs a token (HTTP 401)" in shown and "What the check sent (1 request)</summary>" in shown


def test_a_base_model_is_an_amber_panel(app, fake):
    *_, shown = check(app, "public", "", fake.endpoint_url("public-base"))
    assert shown.startswith('<div class="doctor-panel doctor-warn-panel"><strong>Endpoint check: Works, with something to know.</strong>')
    assert item("warn", "amber", "This model has no chat template; the playground will use text generation.") in shown


def test_nothing_listening_is_a_red_panel_with_its_one_attempt(app, fake):
    *_, shown = check(app, "public", "", NOWHERE)
    assert shown.startswith('<div class="doctor-panel doctor-fail-panel"><strong>Endpoint check: Needs attention before it can chat.</strong>'
                            ' <span class="doctor-where">(127.0.0.1:9)</span><ul><li class="doctor-fail">')
    assert "What the check sent (1 request)</summary>" in shown


def test_the_local_demo_is_checked_under_its_own_name(app):
    *_, shown = check(app, "local", "")
    assert '<strong>Endpoint check: Ready to chat.</strong> <span class="doctor-where">(Local demo)</span>' in shown


def test_a_signed_in_visitor_is_checked_with_their_own_account(app, fake):
    *_, shown = check(app, "default", LLAMA, oauth=SIGNED_IN)
    assert "doctor-ok-panel" in shown and f"({LLAMA} on the serverless Inference API)" in shown
    assert "What the check sent (2 requests)</summary>" in shown
    assert fake.seen("/v1/chat/completions")[-1].headers["authorization"] == f"Bearer {SIGNED_IN}"
    assert SIGNED_IN not in shown
    *_, anonymous = check(app, "default", LLAMA)  # without the sign-in the router refuses: no token went
    assert "doctor-fail-panel" in anonymous and "authorization" not in fake.seen("/v1/chat/completions")[-1].headers


def test_on_a_space_each_visitor_has_their_own_hour_of_checks_on_the_owners_account(app, fake, monkeypatch):
    # The owner's token goes only to Hugging Face's own https hosts, never to loopback: here the fake stands for one.
    monkeypatch.setattr(turn_module, "is_huggingface_url", lambda url, hosts=(): url.startswith(fake.url))
    space = AppSettings.from_env({
        "HF_INFERENCE_ENDPOINT": fake.inference_url, "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url,
        "HF_ENDPOINTS_API_URL": fake.endpoints_api_url, "SPACE_ID": "someone/playground", "HF_TOKEN": SIGNED_IN,
        "PLAYGROUND_VISITORS_USE_SERVER_TOKEN": "1", "PLAYGROUND_VISITOR_TURNS_PER_HOUR": "2", "PLAYGROUND_ALLOW_PRIVATE_URLS": "1",
    })
    space = dataclasses.replace(space, budget=Budget(clock=lambda: 1000.0))
    panel = doctor_event(app).fn.__self__
    on_doctor = dataclasses.replace(panel, settings=space).on_doctor
    for _ in range(2):
        assert "doctor-ok-panel" in check(on_doctor, "default", LLAMA, address="93.184.216.34")[-1]
    *_, refused = check(on_doctor, "default", LLAMA, address="93.184.216.34")
    assert refused == (
        '<div class="doctor-panel doctor-fail-panel"><strong>Endpoint check: nothing was sent.</strong><ul>'
        + item("fail", "red", "You have used this Space&#x27;s 2 turns an hour on its owner&#x27;s account (the next one in about 60 min): "
                              "paste your own token in the Token box to go on now.")
        + "</ul></div>"
    )
    assert "doctor-ok-panel" in check(on_doctor, "default", LLAMA, address="8.8.4.4")[-1]  # another visitor
