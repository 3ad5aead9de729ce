"""The session row and the settings panel's handlers, called as Gradio calls them (the
page's own events, found in ``demo.fns``): what a person sees after Export, Import, Share,
a shared link, a change of endpoint kind, the model list and their own endpoints."""

from __future__ import annotations

import asyncio
import json
import os
from urllib.parse import parse_qs

import gradio as gr
import pagecalls
import pytest
from gradio.helpers import special_args
from pagecalls import fake_settings

from playground import ProviderOffer, RouterModel
from playground_ui import AppSettings, build_app
from playground_ui.compare import PRESETS_B
from playground_ui.providers import POLICIES, offer_label, provider_choices
from playground_ui.session import MAX_FILE_BYTES
from playground_ui.settings_panel import KIND_CHOICES, LOCAL_MODEL_INFO, MODEL_INFO, PRESETS
from playground_ui.turn import TurnInputs

TOKEN = "hf_fake_valid_user_token"  # the fake Hub knows it: its endpoints are listed
CANARY = "hf_test_not_a_real_token_side_a_0123"
CANARY_B = "hf_test_not_a_real_token_side_b_4567"
CONVO = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
         {"role": "user", "content": "And Paris?"}, {"role": "assistant", "content": "The capital of France."}]


@pytest.fixture(scope="module")
def app(fake_server):
    return build_app(fake_settings(fake_server))


def handler(demo: gr.Blocks, name: str, first_input: str | None = None):
    """The page's event whose function is ``name`` (and whose first input has that elem_id)."""
    found = [f for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name
             and (first_input is None or getattr(f.inputs[0], "elem_id", None) == first_input)]
    assert found, name
    return found[0]


def page_of(demo: gr.Blocks):
    return handler(demo, "on_import").fn.__self__.page


def request(query: dict[str, str] | None = None, oauth: str | None = None, address: str = "203.0.113.7") -> gr.Request:
    return pagecalls.request(address, oauth, query)


def call(fn_block, values: list, req: gr.Request | None = None):
    """The handler called with these input values, special arguments filled in as Gradio does."""
    args, *_ = special_args(fn_block.fn, inputs=list(values), request=req if req is not None else request())
    return args


def run(coroutine_or_gen):
    async def collect():
        if hasattr(coroutine_or_gen, "__aiter__"):
            return [out async for out in coroutine_or_gen]
        return await coroutine_or_gen

    return asyncio.run(collect())


def by_id(demo: gr.Blocks, out: dict) -> dict:
    """A handler's dict of updates, keyed by what a test can name: the elem_id, else the state's role."""
    page = page_of(demo)
    names = {id(page.turn_log): "turn_log", id(page.chat.conversation): "conversation", id(page.compare.b.conversation): "conversation_b",
             id(page.compare.row): "compare_row", id(page.payload.column): "payload_column", id(page.presenter.toggle): "presenter",
             id(page.link_note): "link_note"}
    return {names.get(id(block)) or block.elem_id: value for block, value in out.items()}


def setting_values(**overrides) -> list:
    """The settings boxes' values in SETTING_FIELDS order, then side B's four boxes."""
    values = {"endpoint": "public", "model": "meta-llama/Llama-3.1-8B-Instruct", "api_base": "https://xyz.endpoints.huggingface.cloud",
              "token": CANARY, "context": "Paris is in France.", "system_prompt": "Be brief.", "max_tokens": 100, "temperature": 0.3,
              "top_p": 0.9, "stop": "###", "seed": "42", "route": "chat", "provider": "auto", "bill_to": "",
              "endpoint_b": "local", "model_b": "", "api_base_b": "", "token_b": CANARY_B}
    values.update(overrides)
    return list(values.values())


def chatbot_value(messages):
    """A chat's history as Gradio hands it to a handler (content normalised to parts)."""
    return [{"role": m["role"], "metadata": None, "content": [{"type": "text", "text": m["content"]}], "options": None} for m in messages]


def export(demo, on=False, convo=CONVO, convo_b=None, log=None, **overrides) -> str:
    return handler(demo, "export").fn(on, convo, convo_b, log, *setting_values(**overrides))


# --- Export -----------------------------------------------------------------------------


def test_export_writes_the_settings_conversation_and_turns_and_never_a_token(app):
    log = [{"side": None, "user": "Hi", "reply": "Hello!", "status": "done", "exchanges": []}]
    text = export(app, convo=CONVO, log=log)
    data = json.loads(text)
    assert data["endpoint"] == {"kind": "public", "model": "meta-llama/Llama-3.1-8B-Instruct", "api_base": "https://xyz.endpoints.huggingface.cloud"}
    assert data["generation"] == {"system_prompt": "Be brief.", "max_tokens": 100, "temperature": 0.3, "top_p": 0.9, "stop": "###",
                                  "seed": "42", "route": "chat", "context": "Paris is in France."}
    assert data["conversation"] == CONVO and data["turns"] == log
    assert "compare" not in data  # compare was off: side B's boxes are not part of the session
    assert CANARY not in text and CANARY_B not in text


def test_a_fresh_session_exports_empty_lists_and_compare_mode_exports_side_b(app):
    data = json.loads(export(app, convo=None, log=None))
    assert data["conversation"] == [] and data["turns"] == []
    text = export(app, on=True, convo=CONVO[:2], convo_b=None, endpoint_b="private", model_b="gpt2", api_base_b="https://b.example")
    data = json.loads(text)
    assert data["compare"] == {"endpoint": {"kind": "private", "model": "gpt2", "api_base": "https://b.example"}, "conversation": []}
    data = json.loads(export(app, on=True, convo=CONVO[:2], convo_b=[CONVO[0], CONVO[3]]))
    assert data["compare"]["conversation"] == [CONVO[0], CONVO[3]] and data["conversation"] == CONVO[:2]
    assert CANARY_B not in text and CANARY not in text


# --- Import -----------------------------------------------------------------------------


def upload(tmp_path, text: str | bytes, name: str = "session.json") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def import_(demo, path, on=False, shown=(), shown_a=(), presenting=False, wire_shown=False) -> dict:
    block = handler(demo, "on_import")
    out = block.fn(path, on, chatbot_value(shown), chatbot_value(shown_a), presenting, wire_shown)
    assert set(out) <= set(block.outputs)  # Gradio refuses an update of a component that is not an output
    return by_id(demo, out)


def test_an_import_restores_every_setting_and_the_conversation_but_no_token(app, tmp_path, capsys):
    log = [{"side": None, "user": "Hi", "reply": "Hello!", "status": "done", "exchanges": []}]
    out = import_(app, upload(tmp_path, export(app, convo=CONVO, log=log)))
    assert {k: out[k] for k in ("endpoint", "model", "api-base", "token", "token-b", "context", "system-prompt", "max-tokens",
                                "temperature", "top-p", "stop", "seed", "route", "compare")} == {
        "endpoint": "public", "model": "meta-llama/Llama-3.1-8B-Instruct", "api-base": "https://xyz.endpoints.huggingface.cloud",
        "token": "", "token-b": "", "context": "Paris is in France.", "system-prompt": "Be brief.", "max-tokens": 100, "temperature": 0.3,
        "top-p": 0.9, "stop": "###", "seed": "42", "route": "chat", "compare": False,
    }
    assert out["conversation"] == CONVO and out["chatbot-a"] == CONVO and out["turn_log"] == log
    assert out["chatbot"] == gr.update(visible=True, value=CONVO)  # the one chat shows the conversation
    assert out["compare_row"] == gr.update(visible=False) and out["payload_column"] == gr.update(visible=True)
    assert not {"endpoint-b", "model-b", "api-base-b", "chatbot-b", "conversation_b"} & set(out)  # side B's boxes are left alone
    said = capsys.readouterr().out  # gr.Info outside a browser session prints its message
    assert "Session loaded: 2 turns. Tokens are never saved: type yours again before sending or replaying." in said
    assert CANARY not in json.dumps(out, default=str)


def test_importing_a_compared_session_restores_both_sides_and_the_two_panes(app, tmp_path, capsys):
    text = export(app, on=True, convo=CONVO[:2], convo_b=[CONVO[0], CONVO[3]], model="", seed="",
                  endpoint_b="private", model_b="", api_base_b="https://b.example")
    out = import_(app, upload(tmp_path, text))
    assert out["compare"] is True and out["model"] == PRESETS[2]  # an empty model comes back as the preset the page opens with
    assert out["seed"] == ""  # no seed: the box stays empty, a new seed each time
    assert (out["endpoint-b"], out["model-b"], out["api-base-b"], out["token-b"]) == ("private", PRESETS_B, "https://b.example", "")
    assert out["chatbot-a"] == CONVO[:2] and out["conversation"] == CONVO[:2]
    assert out["chatbot-b"] == [CONVO[0], CONVO[3]] and out["conversation_b"] == [CONVO[0], CONVO[3]]
    assert out["chatbot"] == gr.update(visible=False, value=CONVO[:2])
    assert out["compare_row"] == gr.update(visible=True) and out["payload_column"] == gr.update(visible=False)
    assert "Session loaded: 1 turn. Tokens" in capsys.readouterr().out


def test_side_b_keeps_its_own_model_when_the_file_names_one(app, tmp_path):
    text = export(app, on=True, convo=[], convo_b=[], endpoint_b="public", model_b="gpt2", api_base_b="https://b.example")
    out = import_(app, upload(tmp_path, text))
    assert (out["endpoint-b"], out["model-b"]) == ("public", "gpt2")


def test_the_presenter_view_keeps_the_wire_folded_after_an_import_unless_it_was_shown(app, tmp_path, capsys):
    path = upload(tmp_path, export(app, convo=[]))
    assert import_(app, path, presenting=True, wire_shown=False)["payload_column"] == gr.update(visible=False)
    assert import_(app, path, presenting=True, wire_shown=True)["payload_column"] == gr.update(visible=True)
    assert import_(app, path, presenting=False, wire_shown=False)["payload_column"] == gr.update(visible=True)
    assert "Session loaded: 0 turns." in capsys.readouterr().out


def test_a_file_without_generation_settings_leaves_those_boxes_as_they_are(app, tmp_path):
    data = json.loads(export(app, convo=CONVO[:2]))
    del data["generation"]
    out = import_(app, upload(tmp_path, json.dumps(data)))
    assert not {"context", "system-prompt", "max-tokens", "temperature", "top-p", "stop", "route"} & set(out)
    assert out["seed"] == "" and out["endpoint"] == "public" and out["chatbot-a"] == CONVO[:2]


@pytest.mark.parametrize("on", [False, True])
def test_a_bad_upload_is_refused_in_the_chat_with_a_sentence_and_nothing_is_lost(app, tmp_path, on):
    before = CONVO[:2]
    out = import_(app, upload(tmp_path, "not json at all"), on=on, shown=before if not on else [], shown_a=before if on else [])
    pane = "chatbot-a" if on else "chatbot"
    assert list(out) == [pane]  # nothing else in the session changes
    *kept, note = out[pane]
    assert kept == before and note["role"] == "assistant"
    assert note["content"] == ('<div class="turn-error" role="alert">\n\n⚠️ The file is not JSON, so it is not a session export: '
                               "choose a file saved with the Export button. Nothing in this session was changed.\n\n</div>")


def test_no_file_or_a_file_over_the_limit_is_refused_before_it_is_read(app, tmp_path):
    out = import_(app, None)
    assert "No file arrived: choose a session file (.json) saved with the Export button. Nothing in this session was changed." in (
        out["chatbot"][-1]["content"])
    big = tmp_path / "big.json"
    with big.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing written
    out = import_(app, str(big))
    assert "The file is larger than 5 MB, so it is not a session export. Nothing in this session was changed." in out["chatbot"][-1]["content"]


def test_an_export_of_exactly_the_size_limit_still_loads(app, tmp_path):
    text = export(app, convo=CONVO[:2])
    path = upload(tmp_path, text + " " * (MAX_FILE_BYTES - len(text.encode())))
    assert os.path.getsize(path) == MAX_FILE_BYTES
    assert import_(app, path)["chatbot-a"] == CONVO[:2]


# --- Share and a shared link --------------------------------------------------------------


def test_share_shows_a_link_to_the_setup_without_the_token(app):
    share = handler(app, "on_share")
    shown = share.fn(False, *setting_values()[:14])
    assert shown["visible"] is True and shown["__type__"] == "update"
    query = parse_qs(shown["value"][1:])
    assert query["endpoint"] == ["public"] and query["system_prompt"] == ["Be brief."] and query["seed"] == ["42"]
    assert "view" not in query and CANARY not in shown["value"]
    presenting = share.fn(True, *setting_values()[:14])
    assert parse_qs(presenting["value"][1:])["view"] == ["presenter"]


def link(demo, **query) -> dict:
    block = handler(demo, "on_link")
    out = block.fn(*call(block, [], request(query)))
    assert set(out) <= set(block.outputs)
    return by_id(demo, out)


def test_a_shared_link_fills_the_settings_as_the_page_opens(app):
    out = link(app, endpoint="private", model="gpt2", api_base="https://x.example", temperature="0.2", view="presenter")
    assert out["endpoint"] == "private" and out["model"] == "gpt2" and out["temperature"] == 0.2
    assert out["api-base"] == gr.update(value="https://x.example", visible=True)  # a dedicated endpoint's URL box shows
    assert out["presenter"] is True and out["link_note"] == ""


def test_a_link_naming_a_dedicated_endpoint_without_a_url_still_shows_the_url_box(app):
    assert link(app, endpoint="public")["api-base"] == gr.update(value="", visible=True)


def test_a_link_for_the_default_endpoint_leaves_the_view_and_url_box_alone(app):
    out = link(app, endpoint="default", model="gpt2", api_base="https://stale.example", view="full")
    assert out["api-base"] == "https://stale.example" and "presenter" not in out
    assert out["endpoint"] == "default" and "view" not in out


def test_a_links_ignored_parameters_are_each_noted(app):
    out = link(app, token="hf_test_not_a_real_token", colour="blue", model="gpt2")
    assert out["link_note"] == ("⚠️ A link never carries a token, so the one in this link was ignored: type yours in the Token box.\n"
                                "⚠️ The link's parameter 'colour' is not a setting of this page, so it was ignored.")
    assert out["model"] == "gpt2" and "hf_test_not_a_real_token" not in json.dumps(out, default=str)


def test_a_page_opened_without_a_link_changes_nothing(app):
    assert link(app) == {"link_note": ""}
    assert by_id(app, handler(app, "on_link").fn(None)) == {"link_note": ""}


# --- The endpoint kind, the model list, the person's endpoints ---------------------------------


@pytest.mark.parametrize("kind, url_shown, token_label, token_shown, mine_shown, info", [
    ("default", False, "Token (optional)", True, True, MODEL_INFO),
    ("public", True, "Token (optional)", True, True, MODEL_INFO),
    ("private", True, "Token (required)", True, True, MODEL_INFO),
    ("local", False, "Token (optional)", False, False, LOCAL_MODEL_INFO),
])
def test_each_endpoint_kind_shows_its_own_boxes(app, kind, url_shown, token_label, token_shown, mine_shown, info):
    block = handler(app, "on_kind", "endpoint")
    assert kind in {value for _, value in KIND_CHOICES}
    url, token, mine, model = block.fn(kind)
    assert url == gr.update(visible=url_shown)
    assert token == gr.update(label=token_label, visible=token_shown)
    assert mine == gr.update(visible=mine_shown)
    assert model == gr.update(info=info)


def test_the_model_box_offers_the_routers_chat_models_after_the_presets(app, fake):
    choices = run(handler(app, "on_load_models").fn())["choices"]
    assert choices[:3] == PRESETS and len(choices) == len(set(choices))
    assert choices[3:] == ["meta-llama/Llama-3.1-8B-Instruct", "deepseek-ai/DeepSeek-R1"]


def test_without_the_router_the_model_box_offers_the_presets(app, fake, monkeypatch):
    monkeypatch.setenv("HF_ROUTER_URL", "http://127.0.0.1:9")
    assert run(handler(app, "on_load_models").fn()) == gr.update(choices=PRESETS)


def list_mine(demo, typed: str, oauth: str | None = None):
    block = handler(demo, "on_list_mine")
    return run(block.fn(*call(block, [typed], request(oauth=oauth))))


def test_listing_shows_the_tokens_endpoints_and_says_how_many(app, fake):
    choices, message, found = list_mine(app, TOKEN)
    assert choices["value"] is None
    assert [value for _, value in choices["choices"]] == ["fake-user/llama-chat-tgi", "fake-user/llama31-vllm", "fake-user/sleepy-vllm",
                                                          "fake-user/paused-one", "fake-org/org-llamacpp"]
    assert choices["choices"][1][0] == "llama31-vllm (fake-user) · running · meta-llama/Llama-3.1-8B-Instruct · vLLM"
    assert message == "5 endpoints: choose one to chat with it."
    assert list(found) == [value for _, value in choices["choices"]] and found["fake-user/llama31-vllm"].name == "llama31-vllm"


def test_a_signed_in_visitor_lists_their_endpoints_with_an_empty_token_box(app, fake):
    _, message, found = list_mine(app, "", oauth=TOKEN)
    assert message.startswith("5 endpoints") and len(found) == 5
    assert fake.seen("/api/whoami-v2")[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_without_any_token_the_list_says_to_type_one(app, fake):
    choices, message, found = list_mine(app, "")
    assert choices == gr.update(choices=[], value=None) and found == {}
    assert message == "Type a Hugging Face token in the Token box to list your Inference Endpoints."
    assert fake.requests == []


def test_choosing_one_of_your_endpoints_fills_the_kind_url_and_model(app, fake):
    _, _, found = list_mine(app, TOKEN)
    block = handler(app, "on_pick_mine")
    out = by_id(app, block.fn("fake-user/llama31-vllm", found))
    assert set(out) == {"endpoint", "api-base", "model", "my-endpoints-status"}
    assert out["endpoint"] == "public" and out["model"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert out["api-base"] == gr.update(value=fake.endpoint_url("vllm-chat"), visible=True)
    assert out["my-endpoints-status"] == "llama31-vllm is running vLLM."
    assert by_id(app, block.fn("fake-user/llama-chat-tgi", found))["endpoint"] == "private"


def test_picking_nothing_or_an_endpoint_no_longer_listed_changes_nothing(app, fake):
    _, _, found = list_mine(app, TOKEN)
    pick = handler(app, "on_pick_mine").fn
    assert pick(None, found) == {} and pick("fake-user/gone", found) == {} and pick("fake-user/llama31-vllm", None) == {}


# --- The provider picker's labels -------------------------------------------------------------


@pytest.mark.parametrize("offer, label", [
    (ProviderOffer("novita", "live", context_length=16384, input_price=0.02, output_price=0.05),
     "novita · live · $0.02 / $0.05 per 1M tokens in / out · 16,384 tokens of context"),
    (ProviderOffer("fireworks-ai", "error", input_price=0.2, output_price=0.2), "fireworks-ai · error: failing the router's health checks · $0.2 / $0.2 per 1M tokens in / out"),
    (ProviderOffer("together", "staging", input_price=0.1), "together · staging"),  # half a price is no price
    (ProviderOffer("cerebras", None, output_price=0.1, context_length=0), "cerebras · status unknown"),
])
def test_each_provider_is_labelled_by_name_health_price_and_context(offer, label):
    assert offer_label(offer) == label


def test_the_provider_picker_lists_the_policies_then_each_provider_serving_the_model():
    offers = (ProviderOffer("novita", "live"), ProviderOffer("together", "error"))
    assert provider_choices(None) == POLICIES
    assert provider_choices(RouterModel("m/x", offers)) == POLICIES + [("novita · live", "novita"),
                                                                       ("together · error: failing the router's health checks", "together")]


# --- Never a token in a repr ---------------------------------------------------------------------


def test_the_settings_repr_says_whether_the_server_has_a_token_never_which():
    settings = AppSettings.from_env({"HF_TOKEN": "hf_test_not_a_real_token", "PLAYGROUND_TOKEN_HOSTS": "tgi.example"})
    assert repr(settings) == (
        "AppSettings(server_token=set, token_hosts=('tgi.example',), concurrency=256, max_sessions=1000, block_private_urls=False, "
        "default_endpoint='default', on_space=False, sign_in=False, visitors_use_server_token=False)"
    )
    assert repr(AppSettings()).startswith("AppSettings(server_token=None, token_hosts=(), ")


def test_a_turns_repr_says_whether_tokens_are_there_never_which():
    typed = TurnInputs(endpoint="private", model="m/x", api_base="https://x.example", token="hf_test_not_a_real_token",
                       signed_in="hf_test_not_a_real_oauth_token")
    assert repr(typed) == "TurnInputs(endpoint='private', model='m/x', api_base='https://x.example', token=set, signed_in=yes)"
    assert repr(TurnInputs(model="m/x")) == "TurnInputs(endpoint='default', model='m/x', api_base='', token=empty, signed_in=no)"


@pytest.mark.parametrize(("env", "hint"), [
    ({}, ""),
    ({"HF_TOKEN": "hf_server"}, " Empty: the server's own token is used on Hugging Face hosts."),
    ({"SYSTEM": "spaces", "SPACE_ID": "me/pg", "HF_TOKEN": "hf_server"}, ""),  # the owner's token does not serve visitors
    ({"SYSTEM": "spaces", "SPACE_ID": "me/pg", "HF_TOKEN": "hf_server", "PLAYGROUND_VISITORS_USE_SERVER_TOKEN": "1"},
     " Empty: this Space's own account, a few turns an hour."),
    ({"SYSTEM": "spaces", "SPACE_ID": "me/pg", "OAUTH_CLIENT_ID": "c"}, " Empty: your Hugging Face account if you signed in."),
    ({"SYSTEM": "spaces", "SPACE_ID": "me/pg", "OAUTH_CLIENT_ID": "c", "HF_TOKEN": "hf_server", "PLAYGROUND_VISITORS_USE_SERVER_TOKEN": "1"},
     " Empty: your Hugging Face account if you signed in, else this Space's, a few turns an hour."),
    ({"SYSTEM": "spaces", "SPACE_ID": "me/pg", "PLAYGROUND_VISITORS_USE_SERVER_TOKEN": "1"}, ""),  # no token to serve with
])
def test_the_token_box_says_what_leaving_it_empty_means_here(env, hint):
    from playground_ui.settings import AppSettings
    from playground_ui.settings_panel import token_fallback

    assert token_fallback(AppSettings.from_env(env)) == hint
