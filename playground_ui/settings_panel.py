"""The settings panel: which endpoint and model, the token, the person's own endpoints,
the endpoint check, compare, and the generation settings; and what the page learns when
they change (the task line, the provider picker, the context box, fitting examples)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from playground import APIError, BadRequestError, alist_models, aresolve_route

from .chat_pane import ChatPane, examples_for
from .doctor import check as check_endpoint
from .doctor import checking_html
from .my_endpoints import choose as choose_mine
from .my_endpoints import key as key_of
from .my_endpoints import list_mine
from .providers import AUTO, POLICIES, find, provider_choices
from .settings import AppSettings
from .turn import DEFAULT, LOCAL, PRIVATE, PUBLIC, ROUTE_CHOICES, InputProblem, TurnInputs, page_sentence, prepare_endpoint
from .views import models_differ, task_line
from .visitors import visitor_of

PRESETS = ["deepset/deberta-v3-large-squad2", "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf"]
KIND_CHOICES = [
    ("Default · Inference Providers (serverless)", DEFAULT),
    ("Public endpoint · URL", PUBLIC),
    ("Private endpoint · URL + token", PRIVATE),
    ("Local demo · canned replies, works offline", LOCAL),
]
# The inputs of a turn, in the order the handlers receive them (TurnInputs' field names).
SETTING_FIELDS = [
    "endpoint", "model", "api_base", "token", "context", "system_prompt", "max_tokens", "temperature", "top_p", "stop", "seed", "route",
    "provider", "bill_to",
]
MODEL_INFO = "A preset, a model Inference Providers serve, or any model id from the Hub."
LOCAL_MODEL_INFO = "Local demo: any model id works; no model runs here and every reply is canned."


def read_inputs(values: tuple[Any, ...]) -> TurnInputs:
    """Component values in SETTING_FIELDS order to a turn's inputs."""
    return TurnInputs(**dict(zip(SETTING_FIELDS, values)))


def token_fallback(settings: AppSettings) -> str:
    """What an empty Token box means here, in a few words."""
    owner = settings.server_token and settings.on_space and settings.visitors_use_server_token
    if settings.sign_in:
        return " Empty: your Hugging Face account if you signed in" + (", else this Space's, a few turns an hour." if owner else ".")
    if owner:
        return " Empty: this Space's own account, a few turns an hour."
    if settings.server_token and not settings.on_space:
        return " Empty: the server's own token is used on Hugging Face hosts."
    return ""


async def catalogue() -> list[Any]:
    """The router's chat models (cached by the library); empty when it cannot be reached."""
    try:
        return await alist_models()
    except APIError:
        return []


@dataclass(frozen=True)
class SettingsPanel:
    endpoint: Any
    model: Any
    provider: Any
    task_info: Any
    task_base: Any  # gr.State: the task line as the endpoint or the Hub gave it, before any turn
    api_base: Any
    token: Any
    mine_group: Any
    my_endpoints: Any
    my_refresh: Any
    mine_status: Any
    mine: Any  # gr.State: the listed endpoints by key, for this session
    doctor: Any
    doctor_report: Any
    compare: Any
    system_prompt: Any
    max_tokens: Any
    temperature: Any
    top_p: Any
    stop: Any
    seed: Any
    route: Any
    bill_to: Any
    settings: AppSettings

    def inputs(self, context: Any) -> list[Any]:
        """The components of a turn's settings, in SETTING_FIELDS order (``context`` is the chat pane's)."""
        return [getattr(self, name) if name != "context" else context for name in SETTING_FIELDS]

    @property
    def target(self) -> list[Any]:
        """What decides where a message goes (and what serves it)."""
        return [self.endpoint, self.model, self.api_base, self.token, self.provider]

    def on_kind(self, kind: str) -> tuple[Any, ...]:
        dedicated = kind in (PUBLIC, PRIVATE)
        label = "Token (required)" if kind == PRIVATE else "Token (optional)"
        return (
            gr.update(visible=dedicated), gr.update(label=label, visible=kind != LOCAL), gr.update(visible=kind != LOCAL),
            gr.update(info=LOCAL_MODEL_INFO if kind == LOCAL else MODEL_INFO),
        )

    def target_outputs(self, chat: ChatPane) -> list[Any]:
        return [self.task_info, self.task_base, chat.context, self.provider, self.model, chat.examples.dataset]

    def target_handler(self, chat: ChatPane):
        """The handler that learns what serves the model and shows it (see ``target_outputs``)."""

        async def on_target(oauth: gr.OAuthToken | None, kind: str, model_id: str, url: str, typed: str, picked: str):
            """The task line, the context box for a question-answering model, the provider
            picker for Inference Providers, examples that fit, and the model a dedicated
            endpoint serves (filled in when the Model box is empty)."""
            hidden = {self.task_info: "", self.task_base: "", chat.context: gr.update(visible=False), self.provider: gr.update(visible=False)}
            inputs = TurnInputs(endpoint=kind, model=model_id, api_base=url, token=typed, signed_in=visitor_of(None, oauth).token)
            try:
                chosen = await prepare_endpoint(inputs, self.settings, need_token=kind != DEFAULT)
            except InputProblem as problem:
                shown = f"⚠️ {problem}" if kind in (PUBLIC, PRIVATE) and url and url.strip() else ""
                return {**hidden, self.task_info: shown}
            try:
                info = await aresolve_route(chosen.model, api_base=chosen.api_base, api_key=chosen.api_key)
            except BadRequestError as error:  # in the page's words: the Token box, not api_key
                serverless = chosen.api_base is None and not chosen.local
                return {**hidden, self.task_info: f"⚠️ {page_sentence(error, typed=bool((typed or '').strip()), serverless=serverless)}"}
            except APIError:
                return {**hidden, self.task_info: "Task: not known yet (the endpoint did not answer); it is learnt again when you send."}
            shown = task_line(info)
            out: dict[Any, Any] = {chat.context: gr.update(visible=info.route == "question-answering"), self.provider: gr.update(visible=False)}
            out[chat.examples.dataset] = gr.Dataset(samples=[[text] for text in examples_for(info.route)])
            if kind == LOCAL:
                shown += "\n\nLocal demo: no model runs here; every reply is canned, to show the flow and the wire offline."
            if info.router and kind == DEFAULT:
                choices = provider_choices(find(await catalogue(), model_id))
                keep = picked if picked in {value for _, value in choices} else AUTO
                out[self.provider] = gr.update(visible=True, choices=choices, value=keep)
            if info.served_model and kind in (PUBLIC, PRIVATE):
                if not (model_id or "").strip():
                    out[self.model] = info.served_model  # the Model box follows the endpoint
                elif models_differ(model_id, info.served_model):
                    shown += f"\n\n⚠️ The endpoint serves **{info.served_model}**, not {model_id}: the replies come from {info.served_model}."
            return {**out, self.task_info: shown, self.task_base: shown}

        return on_target

    async def on_load_models(self):
        """The Model box offers the router's chat models beside the presets (its value is
        left alone: a shared link may be setting it at the same time)."""
        listed = [m.id for m in await catalogue() if m.id not in PRESETS]
        return gr.update(choices=PRESETS + listed)

    async def on_list_mine(self, oauth: gr.OAuthToken | None, typed: str):
        listing = await list_mine(typed, self.settings, visitor_of(None, oauth).token)
        found = {key_of(e): e for e in listing.endpoints}
        return gr.update(choices=listing.choices, value=None), listing.message, found

    def on_pick_mine(self, picked: str | None, found: dict[str, Any]):
        endpoint_chosen = (found or {}).get(picked or "")
        if endpoint_chosen is None:
            return {}
        chosen = choose_mine(endpoint_chosen)
        return {self.endpoint: chosen.kind, self.api_base: gr.update(value=chosen.url, visible=True), self.model: chosen.model,
                self.mine_status: chosen.sentence}

    async def on_doctor(self, request: gr.Request, oauth: gr.OAuthToken | None, kind: str, model_id: str, url: str, typed: str,
                        route_choice: str):
        """The endpoint check: its report beside the settings, its probes folded under it
        (the Request and Response tabs keep the last turn's)."""
        who = visitor_of(request, oauth)
        inputs = TurnInputs(endpoint=kind, model=model_id, api_base=url, token=typed, route=route_choice, signed_in=who.token, visitor=who.key)
        yield checking_html(inputs)
        result = await check_endpoint(inputs, self.settings)
        yield result.html


def build_settings_panel(settings: AppSettings) -> SettingsPanel:
    """The panel's components, top to bottom."""
    endpoint = gr.Radio(KIND_CHOICES, value=settings.default_endpoint, label="Endpoint", elem_id="endpoint")
    model = gr.Dropdown(
        PRESETS, value=PRESETS[2], label="Model", allow_custom_value=True, elem_id="model",
        info=LOCAL_MODEL_INFO if settings.default_endpoint == LOCAL else MODEL_INFO,
    )
    provider = gr.Dropdown(
        POLICIES, value=AUTO, label="Provider", elem_id="provider", visible=False,
        info="Who serves the model on Inference Providers: a policy, or one provider (price per 1M tokens in / out).",
    )
    task_info = gr.Markdown("", elem_id="task")
    task_base = gr.State("")
    api_base = gr.Textbox(
        label="API base URL", placeholder="https://xyz.endpoints.huggingface.cloud",
        visible=settings.default_endpoint in (PUBLIC, PRIVATE), elem_id="api-base",
    )
    token = gr.Textbox(
        label="Token (optional)", type="password", placeholder="hf_...", elem_id="token",
        visible=settings.default_endpoint != LOCAL,
        info="Sent only to the endpoint above; never stored." + token_fallback(settings),
    )
    with gr.Group(visible=settings.default_endpoint != LOCAL) as mine_group:
        with gr.Row(equal_height=True):
            my_endpoints = gr.Dropdown(
                [], value=None, label="Your Inference Endpoints", elem_id="my-endpoints", scale=4,
                info="Listed with the token above; choosing one fills the URL and the model.",
            )
            my_refresh = gr.Button("↻ List", elem_id="my-endpoints-refresh", size="sm", scale=1, min_width=60)
        mine_status = gr.Markdown("", elem_id="my-endpoints-status")
    mine = gr.State({})
    doctor = gr.Button("Check endpoint", elem_id="doctor", size="sm")
    doctor_report = gr.HTML("", elem_id="doctor-report", min_height=0, padding=False)
    compare = gr.Checkbox(
        False, label="Compare side by side", elem_id="compare",
        info="Send each message to a second endpoint too, with the same settings.",
    )
    with gr.Accordion("Generation settings", open=False):
        system_prompt = gr.Textbox(label="System prompt", lines=2, elem_id="system-prompt")
        max_tokens = gr.Slider(1, 4096, value=256, step=1, label="Max new tokens", elem_id="max-tokens")
        temperature = gr.Slider(0, 2, value=0.7, step=0.05, label="Temperature", elem_id="temperature")
        top_p = gr.Slider(0.01, 1, value=0.95, step=0.01, label="Top-p", elem_id="top-p")
        stop = gr.Textbox(label="Stop sequences", placeholder="comma-separated, e.g. ###, \\n\\n", elem_id="stop")
        # A text box: Gradio's number box turns "empty" into 0, which would send seed 0 with every call.
        seed = gr.Textbox(label="Seed", placeholder="empty: a new one each time", elem_id="seed")
        route = gr.Radio(list(ROUTE_CHOICES), value="auto", label="Route", elem_id="route")
        bill_to = gr.Textbox(
            label="Bill to", placeholder="an organisation you belong to (empty: your own account)", elem_id="bill-to",
            info="Inference Providers only: sent as X-HF-Bill-To, never stored.",
        )
    return SettingsPanel(
        endpoint, model, provider, task_info, task_base, api_base, token, mine_group, my_endpoints, my_refresh, mine_status, mine,
        doctor, doctor_report, compare, system_prompt, max_tokens, temperature, top_p, stop, seed, route, bill_to, settings,
    )
