"""What the page learns when the endpoint, the URL, the model or the token changes: the task
line, the Model box a dedicated endpoint fills, the provider picker, the Context box, and
what it says when the look-up cannot be done. The page's own handler, called as Gradio
calls it (tests/pagecalls.py), against the fake Hugging Face services."""

from __future__ import annotations

import pytest
from apprun import free_port
from pagecalls import PageCalls, fake_settings, page_calls_fixture, page_parts_fixture, request  # noqa: F401 (fixtures)

from playground_ui import build_app

from playground_ui.providers import POLICIES
from playground_ui.turn import DEFAULT, LOCAL, PRIVATE, PUBLIC

TOKEN = "hf_fake_valid_user_token"
VLLM_LINE = ('**Chats with you** on vLLM 0.11.0  \n'
             '<span class="task-details">Engine: vLLM 0.11.0 · serves llama-3-1-8b-instruct-xyz · route: chat</span>')
TGI_BASE_LINE = ('**Chats with you** on TGI 3.2.1  \n<span class="task-details">Engine: TGI 3.2.1 · serves meta-llama/Llama-2-7b-hf · '
                 "task text-generation (from the endpoint's /info) · route: chat</span>")
ROUTER_LINE = ('**Chats with you** through Inference Providers  \n'
               '<span class="task-details">task text-generation (from the Hub) · route: chat</span>')


def looked_up(app, ui, kind: str, model: str = "", url: str = "", token: str = "", picked: str = "auto") -> dict:
    given = {ui.panel.endpoint: kind, ui.panel.model: model, ui.panel.api_base: url, ui.panel.token: token, ui.panel.provider: picked}
    return app.call("on_target", given).outputs[0]


def hidden(update: dict) -> bool:
    return {k: v for k, v in update.items() if k != "__type__"} == {"visible": False}


def test_a_dedicated_endpoint_fills_an_empty_model_box_with_the_name_it_serves(app, ui, fake):
    out = looked_up(app, ui, PUBLIC, url=fake.endpoint_url("vllm-chat"))
    assert out[ui.panel.model] == "llama-3-1-8b-instruct-xyz"
    assert out[ui.panel.task_info] == VLLM_LINE and out[ui.panel.task_base] == VLLM_LINE
    assert hidden(out[ui.chat.context]) and hidden(out[ui.panel.provider])


def test_a_model_box_naming_another_hub_model_than_the_endpoint_serves_gets_a_warning_and_is_left_alone(app, ui, fake):
    out = looked_up(app, ui, PRIVATE, model="meta-llama/Llama-2-7b-chat-hf", url=fake.endpoint_url("public-base"), token=TOKEN)
    warning = ("\n\n⚠️ The endpoint serves **meta-llama/Llama-2-7b-hf**, not meta-llama/Llama-2-7b-chat-hf: "
               "the replies come from meta-llama/Llama-2-7b-hf.")
    assert out[ui.panel.task_info] == TGI_BASE_LINE + warning and out[ui.panel.task_base] == TGI_BASE_LINE + warning
    assert ui.panel.model not in out  # what the person typed stays


@pytest.mark.parametrize(("model", "endpoint"), [
    (" META-LLAMA/Llama-2-7b-HF ", "public-base"),  # the same Hub id, other capitals and spaces
    ("meta-llama/Llama-2-7b-chat-hf", "vllm-chat"),  # a served alias is not a Hub id: nothing to compare
], ids=["same model", "served alias"])
def test_no_warning_when_there_is_no_disagreement(app, ui, fake, model, endpoint):
    out = looked_up(app, ui, PUBLIC, model=model, url=fake.endpoint_url(endpoint))
    assert "⚠️" not in out[ui.panel.task_info] and out[ui.panel.task_info] in (TGI_BASE_LINE, VLLM_LINE)
    assert ui.panel.model not in out


def test_the_local_demo_says_its_replies_are_canned(app, ui, fake):
    out = looked_up(app, ui, LOCAL)
    assert out[ui.panel.task_info].endswith(
        "· route: chat</span>\n\nLocal demo: no model runs here; every reply is canned, to show the flow and the wire offline.")
    assert out[ui.panel.task_base] == out[ui.panel.task_info]
    assert ui.panel.model not in out  # the demo's served name never fills the Model box


@pytest.mark.parametrize(("picked", "kept"), [("novita", "novita"), ("fastest", "fastest"), ("nonesuch", "auto")])
def test_on_inference_providers_the_picker_lists_who_serves_the_model_and_keeps_a_choice_still_offered(app, ui, fake, picked, kept):
    out = looked_up(app, ui, DEFAULT, model="meta-llama/Llama-3.1-8B-Instruct", token=TOKEN, picked=picked)
    picker = out[ui.panel.provider]
    assert picker["visible"] is True and picker["value"] == kept
    values = [value for _, value in picker["choices"]]
    assert values[: len(POLICIES)] == [value for _, value in POLICIES] and {"together", "novita"} <= set(values)
    assert out[ui.panel.task_info] == ROUTER_LINE and out[ui.panel.task_base] == ROUTER_LINE
    assert hidden(out[ui.chat.context])


def test_a_task_model_on_hf_inference_gets_the_context_box_and_no_provider_picker(app, ui, fake):
    out = looked_up(app, ui, DEFAULT, model="deepset/deberta-v3-large-squad2", token=TOKEN)
    assert out[ui.chat.context]["visible"] is True and hidden(out[ui.panel.provider])


def test_a_dedicated_endpoint_never_shows_the_provider_picker(app, ui, fake):
    assert hidden(looked_up(app, ui, PUBLIC, url=fake.endpoint_url("vllm-chat"), picked="novita")[ui.panel.provider])


@pytest.mark.parametrize(("kind", "url", "token", "said"), [
    (PRIVATE, "private-chat", "", "⚠️ A private endpoint needs a token: paste a Hugging Face token (hf_...) in the Token box."),
    (PRIVATE, "", "", ""),  # no URL typed yet: nothing to complain about
    (PUBLIC, "   ", "", ""),
    (PUBLIC, "refused", "", "Task: not known yet (the endpoint did not answer); it is learnt again when you send."),
    (DEFAULT, "", "hf bad token", "⚠️ The token in the Token box has characters a token cannot have (spaces, line breaks): "
                                  "copy it again from your Hugging Face settings."),
], ids=["private without a token", "private without a URL", "blank URL", "endpoint down", "malformed token"])
def test_when_nothing_can_be_learnt_the_line_says_why_and_the_models_extras_are_hidden(app, ui, fake, kind, url, token, said):
    url = {"private-chat": fake.endpoint_url("private-chat"), "refused": f"http://127.0.0.1:{free_port()}"}.get(url, url)
    out = looked_up(app, ui, kind, model="gpt2" if kind == DEFAULT else "", url=url, token=token)
    assert out[ui.panel.task_info] == said
    assert out[ui.panel.task_base] == ""  # the line a turn adds its route to starts empty
    assert hidden(out[ui.chat.context]) and hidden(out[ui.panel.provider])
    assert ui.panel.model not in out and ui.chat.examples.dataset not in out


def on_a_space(fake) -> PageCalls:
    """The page as a public Space builds it: visitors sign in; the owner's token is not theirs to spend."""
    return PageCalls(build_app(fake_settings(fake, SPACE_ID="someone/playground", HF_TOKEN="hf_ownerCanaryZ8x6Cv4Bn2Mq0Wd")))


def test_on_a_space_a_visitor_without_a_token_still_learns_what_the_model_does(fake):
    space = on_a_space(fake)
    ui = space.parts
    given = {ui.panel.endpoint: DEFAULT, ui.panel.model: "meta-llama/Llama-3.1-8B-Instruct", ui.panel.api_base: "", ui.panel.token: ""}
    out = space.call("on_target", given).outputs[0]
    assert out[ui.panel.task_info] == ROUTER_LINE  # the look-up needs no token; sending will ask for one
    assert all("hf_ownerCanary" not in seen.headers.get("authorization", "") for seen in fake.requests)


def test_a_signed_in_visitors_look_up_carries_their_sign_in(fake, monkeypatch):
    # The Hub gets a token only at a Hugging Face address: here the fake stands for huggingface.co.
    monkeypatch.setattr("playground._prepare.is_huggingface_url", lambda url, *more: True)
    space = on_a_space(fake)
    ui = space.parts
    given = {ui.panel.endpoint: DEFAULT, ui.panel.model: "meta-llama/Llama-3.1-8B-Instruct", ui.panel.api_base: "", ui.panel.token: ""}
    out = space.call("on_target", given, req=request(token=TOKEN)).outputs[0]
    assert out[ui.panel.task_info] == ROUTER_LINE
    hub = fake.seen("/api/models/meta-llama/Llama-3.1-8B-Instruct")
    assert hub and all(seen.headers.get("authorization") == f"Bearer {TOKEN}" for seen in hub)  # a gated or private model is theirs to see
