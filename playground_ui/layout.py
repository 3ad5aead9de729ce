"""The Gradio Blocks page: components and the wiring of their events, nothing more.

Handlers turn component values into :class:`TurnInputs`, run :func:`run_turn`, and turn
its updates into component values. Session state lives in ``gr.State`` (server side, per
browser session); nothing per visitor is kept in module globals.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gradio as gr

from playground import APIError, BadRequestError, alist_models, aresolve_route
from playground._prompt import content_text

from .doctor import check as check_endpoint
from .doctor import checking_html
from .my_endpoints import choose as choose_mine
from .my_endpoints import key as key_of
from .my_endpoints import list_mine, listing_token
from .providers import AUTO, POLICIES, find, provider_choices
from .settings import AppSettings
from .share import read_setup, setup_query
from .session import MAX_FILE_BYTES, ImportProblem, export_json, log_turns, read_export, turn_record
from .turn import (
    DEFAULT,
    LOCAL,
    PRIVATE,
    PUBLIC,
    ROUTE_CHOICES,
    InputProblem,
    TurnInputs,
    TurnUpdate,
    prepare_endpoint,
    run_side_by_side,
    run_turn,
)
from .views import (
    Figures,
    curl_code,
    inference_client_code,
    metrics_markdown,
    models_differ,
    python_code,
    request_text,
    response_text,
    task_line,
    with_last_route,
)

PRESETS = ["deepset/deberta-v3-large-squad2", "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf"]
KIND_CHOICES = [
    ("Default · Inference Providers (serverless)", DEFAULT),
    ("Public endpoint · URL", PUBLIC),
    ("Private endpoint · URL + token", PRIVATE),
    ("Local demo · canned replies, works offline", LOCAL),
]
STOPPED = "■ Stopped: this partial reply is not sent to the model as history."
VIEW_INTERVAL = 0.5  # seconds between renders of the payload views while a reply streams
PROGRESS = {"waiting": "Sending…", "loading": "Waiting for the model to load…", "streaming": "Streaming…"}
CODE_CHOICES = ["Python (playground)", "curl", "InferenceClient"]
EXAMPLES = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain what an inference endpoint is in two sentences.",
]
# Example prompts that fit what the model does (a question about the passage, a text to continue...).
TASK_EXAMPLES = {
    "question-answering": ["What is the capital of France?", "Which river does the passage mention?", "When was it built?"],
    "text-generation": ["The capital of France is", "Once upon a time, in a small village by the sea,", "def fibonacci(n):"],
    "summarization": ["Paris, the capital of France, lies on the Seine. It is known for its museums, its cafes and its parks, "
                      "and for the Eiffel Tower, built for the 1889 World's Fair."],
    "translation": ["Hello, how are you?", "The museum opens at nine in the morning."],
    "text2text-generation": ["Translate to German: Where is the station?", "Answer the question: what is the capital of France?"],
    "text-classification": ["I loved this film, I would watch it again!", "The service was slow and the food was cold."],
}
INTRO = (
    "# HF Endpoint Playground\n"
    "Chat with a model through Inference Providers or on your own Inference Endpoint, and see "
    "the exact HTTP request and response beside every reply."
)
CSS = """
/* Help text and subdued text at 4.5:1 contrast or more (WCAG AA); Gradio's default grey is about 2:1. */
:root, .gradio-container { --block-info-text-color: #4b5563 !important; --body-text-color-subdued: #4b5563 !important; }
.dark, .dark .gradio-container { --block-info-text-color: #a3aab8 !important; --body-text-color-subdued: #a3aab8 !important; }
#request, #response, #code { max-height: 540px; overflow: auto; }
#request-a, #response-a, #request-b, #response-b { max-height: 320px; overflow: auto; }
#metrics table { font-size: 0.85em; }
.doctor-panel { font-size: 0.9em; }
.doctor-panel ul { list-style: none; padding-left: 0; margin: 0.4em 0 0; }
.doctor-panel li { margin: 0.3em 0; padding-left: 1.4em; text-indent: -1.4em; }
.doctor-mark { font-size: 1.3em; line-height: 1; margin-right: 0.2em; }
.doctor-ok .doctor-mark { color: #16a34a; }
.doctor-warn .doctor-mark { color: #d97706; }
.doctor-fail .doctor-mark { color: #dc2626; }
.doctor-where { color: var(--body-text-color-subdued); }
.doctor-probes summary { cursor: pointer; margin-top: 0.4em; }
.doctor-probes pre { max-height: 320px; overflow: auto; font-size: 0.85em; white-space: pre-wrap; }
"""

# Saves the export's text as a file in the browser (nothing is written on the server), then
# empties the hidden box that carried it.
DOWNLOAD_JS = """
(text) => {
  if (!text) return "";
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], {type: "application/json"}));
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, "");
  link.download = `playground-session-${stamp}.json`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  return "";
}
"""

# The inputs of a turn, in the order the handlers receive them after the chat values.
SETTING_FIELDS = [
    "endpoint", "model", "api_base", "token", "context", "system_prompt", "max_tokens", "temperature", "top_p", "stop", "seed", "route",
    "provider", "bill_to",
]
MODEL_INFO = "A preset, a model Inference Providers serve, or any model id from the Hub."
LOCAL_MODEL_INFO = "Local demo: any model id works; no model runs here and every reply is canned."


def _inputs(values: tuple[Any, ...]) -> TurnInputs:
    return TurnInputs(**dict(zip(SETTING_FIELDS, values)))


def _display(history: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The chatbot's value as role/content messages with text content."""
    return [{"role": m["role"], "content": content_text(m.get("content"))} for m in history or []]


def _assistant_text(update: TurnUpdate) -> str:
    if update.error and update.reply:
        return f"{update.reply}\n\n⚠️ {update.error}"
    if update.error:
        return f"⚠️ {update.error}"
    score = update.figures.score if update.figures else None
    if score is not None and update.reply:  # how sure a question-answering model is (not sent as history)
        return f"{update.reply}\n\n*score {score:.2f}*"
    return update.reply or ("…" if not update.finished else "(the model returned no text)")


def _read_upload(path: str | None) -> bytes:
    if not path:
        raise ImportProblem("No file arrived: choose a session file (.json) saved with the Export button.")
    file = Path(path)
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ImportProblem(f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB, so it is not a session export.")
    return file.read_bytes()


def pane_title(side: str, inputs: TurnInputs) -> str:
    """"Side A · meta-llama/Llama-3.1-8B-Instruct · Inference Providers"."""
    url = (inputs.api_base or "").strip()
    where = {DEFAULT: "Inference Providers", LOCAL: "Local demo"}.get(inputs.endpoint) or (urlsplit(url).netloc or url[:60] or "no URL")
    return f"Side {side.upper()} · {(inputs.model or '').strip() or 'no model'} · {where}"


def _code(choice: str, last: dict[str, Any] | None) -> tuple[str, str | None]:
    if not last or last.get("call") is None:
        return "# Send a message: the same call appears here as code.", "python"
    if choice == "curl":
        return curl_code(last["exchanges"]), "shell"
    if choice == "InferenceClient":
        return inference_client_code(last["call"]), "python"
    return python_code(last["call"]), "python"


@dataclass(frozen=True)
class Pane:
    """Where one endpoint's side of a turn shows: its chat, history, figures and payload view."""

    chatbot: Any
    conversation: Any
    metrics: Any
    request: Any
    response: Any


class PaneTurn:
    """One pane's view of a streaming turn: turns each update into that pane's component values."""

    def __init__(self, pane: Pane, text: str, history: list[dict[str, Any]], convo: list[dict[str, Any]]) -> None:
        self.pane, self.text, self.convo = pane, text, convo
        self.shown = [*history, {"role": "user", "content": text}, {"role": "assistant", "content": "…"}]
        self.views_at = 0.0

    def render(self, update: TurnUpdate) -> tuple[dict[Any, Any], bool]:
        # The payload views grow with every event: render them twice a second while
        # streaming (and at the end), the chat with every update.
        now = time.monotonic()
        fresh = update.finished or update.status != "streaming" or now - self.views_at >= VIEW_INTERVAL
        # A refused turn (nothing sent) stays in the chat with its sentence, like a failed one;
        # neither joins the conversation sent to the model, and Retry sends it again.
        self.shown[-1] = {"role": "assistant", "content": _assistant_text(update)}
        if update.succeeded:
            self.convo = [*self.convo, {"role": "user", "content": self.text}, {"role": "assistant", "content": update.reply}]
        out: dict[Any, Any] = {self.pane.chatbot: self.shown, self.pane.conversation: self.convo}
        if fresh:
            self.views_at = now
            started = update.exchanges or update.finished
            out[self.pane.request] = request_text(update.exchanges) if started else "Waiting for the endpoint…"
            out[self.pane.response] = response_text(update.exchanges) if started else "Waiting for the endpoint…"
            out[self.pane.metrics] = metrics_markdown(update.figures) if update.finished else PROGRESS.get(update.status, "Streaming…")
        return out, fresh


@dataclass
class Chats:
    """A session's chats as a turn starts: what each pane shows and what each side is sent."""

    shown: list[dict[str, Any]]
    shown_a: list[dict[str, Any]]
    shown_b: list[dict[str, Any]]
    convo: list[dict[str, Any]]
    convo_b: list[dict[str, Any]]
    log: list[dict[str, Any]]


def _last_user(shown: list[dict[str, Any]]) -> int | None:
    return next((i for i in range(len(shown) - 1, -1, -1) if shown[i]["role"] == "user"), None)


def _without_turn(convo: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The history without its last turn if that turn was ``text`` (a retried turn leaves it)."""
    return convo[:-2] if len(convo) >= 2 and convo[-2] == {"role": "user", "content": text} else convo


def build_app(settings: AppSettings) -> gr.Blocks:
    """The playground page. ``launch()`` it with ``launch_options(settings)``."""
    with gr.Blocks(title="HF Endpoint Playground") as demo:
        conversation = gr.State([])  # messages of successful turns: what the model is sent as history (side A in compare)
        conversation_b = gr.State([])  # side B's, in compare mode
        last_turn = gr.State(None)  # the last turn's call and exchanges, for the code view
        turn_log = gr.State([])  # every finished turn with its exchanges, for the export
        busy = gr.State(False)  # a reply is streaming in this session

        gr.Markdown(INTRO)
        link_note = gr.Markdown("", elem_id="link-note")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=260):
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
                task_base = gr.State("")  # the task line as the endpoint or the Hub gave it, before any turn
                api_base = gr.Textbox(
                    label="API base URL", placeholder="https://xyz.endpoints.huggingface.cloud",
                    visible=settings.default_endpoint in (PUBLIC, PRIVATE), elem_id="api-base",
                )
                token = gr.Textbox(
                    label="Token (optional)", type="password", placeholder="hf_...", elem_id="token",
                    visible=settings.default_endpoint != LOCAL,
                    info="Sent only to the endpoint above; never stored." + (
                        " Empty: the server's own token is used on Hugging Face hosts." if settings.server_token else ""
                    ),
                )
                with gr.Group(visible=settings.default_endpoint != LOCAL) as mine_group:
                    with gr.Row(equal_height=True):
                        my_endpoints = gr.Dropdown(
                            [], value=None, label="Your Inference Endpoints", elem_id="my-endpoints", scale=4,
                            info="Listed with the token above; choosing one fills the URL and the model.",
                        )
                        my_refresh = gr.Button("↻ List", elem_id="my-endpoints-refresh", size="sm", scale=1, min_width=60)
                    mine_status = gr.Markdown("", elem_id="my-endpoints-status")
                mine = gr.State({})  # the listed endpoints by key, for this session
                doctor = gr.Button("Check endpoint", elem_id="doctor", size="sm")
                doctor_report = gr.HTML("", elem_id="doctor-report", min_height=0, padding=False)
                compare = gr.Checkbox(
                    False, label="Compare side by side", elem_id="compare",
                    info="Send each message to a second endpoint too, with the same settings.",
                )
                with gr.Group(visible=False) as side_b:
                    endpoint_b = gr.Radio(KIND_CHOICES, value=settings.default_endpoint, label="Side B: endpoint", elem_id="endpoint-b")
                    model_b = gr.Dropdown(PRESETS, value=PRESETS[1], label="Side B: model", allow_custom_value=True, elem_id="model-b")
                    api_base_b = gr.Textbox(
                        label="Side B: API base URL", placeholder="https://xyz.endpoints.huggingface.cloud",
                        visible=settings.default_endpoint in (PUBLIC, PRIVATE), elem_id="api-base-b",
                    )
                    token_b = gr.Textbox(
                        label="Side B: token (optional)", type="password", placeholder="hf_...", elem_id="token-b",
                        visible=settings.default_endpoint != LOCAL, info="Sent only to side B's endpoint; never stored.",
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
            with gr.Column(scale=5, min_width=320):
                chatbot = gr.Chatbot(label="Chat", height=520, elem_id="chatbot", buttons=["copy", "copy_all"])
                with gr.Row(visible=False, equal_height=False) as compare_row:
                    panes = {}
                    for side in ("a", "b"):
                        with gr.Column(min_width=280):
                            pane_chat = gr.Chatbot(label=f"Side {side.upper()}", height=460, elem_id=f"chatbot-{side}", buttons=["copy", "copy_all"])
                            pane_metrics = gr.Markdown(metrics_markdown(None), elem_id=f"metrics-{side}")
                            with gr.Accordion(f"Side {side.upper()}: request and response", open=False, elem_id=f"payload-{side}"):
                                pane_request = gr.Code("Nothing sent yet.", language=None, label="Request", elem_id=f"request-{side}", buttons=["copy"], wrap_lines=True)
                                pane_response = gr.Code("Nothing received yet.", language=None, label="Response", elem_id=f"response-{side}", buttons=["copy"], wrap_lines=True)
                        panes[side] = (pane_chat, pane_metrics, pane_request, pane_response)
                context = gr.Textbox(  # right above the message: the question is asked about it
                    label="Context", lines=4, visible=False, elem_id="context",
                    placeholder="This model answers questions about a passage: paste the passage here, then ask below.",
                )
                message = gr.Textbox(
                    # One line that grows: Enter sends, Shift+Enter starts a new line (with lines > 1, Gradio sends on Shift+Enter).
                    label="Message", placeholder="Type a message and press Enter (Shift+Enter for a new line)", lines=1, max_lines=8,
                    elem_id="message",
                )
                with gr.Row():
                    send = gr.Button("Send", variant="primary", elem_id="send", scale=2, min_width=80)
                    stop_button = gr.Button("Stop", variant="stop", elem_id="stop", scale=1, min_width=60, interactive=False)
                    retry = gr.Button("Retry", elem_id="retry", scale=1, min_width=60)
                    clear = gr.Button("Clear", elem_id="clear", scale=1, min_width=60)
                with gr.Row():
                    export = gr.Button("Export session", elem_id="export", size="sm", min_width=60)
                    import_button = gr.UploadButton("Import session", file_types=[".json"], file_count="single", type="filepath", elem_id="import", size="sm", min_width=60)
                    replay = gr.Button("Replay", elem_id="replay", size="sm", min_width=60)
                    share = gr.Button("Share setup", elem_id="share", size="sm", min_width=60)
                share_link = gr.Textbox(
                    label="Link to this setup (never a token, never the conversation)", elem_id="share-link", visible=False,
                    buttons=["copy"], interactive=False,
                )
                export_data = gr.Textbox(visible="hidden", elem_id="export-data")
                examples = gr.Examples(EXAMPLES, inputs=[message], label="Examples")
            with gr.Column(scale=5, min_width=320) as payload_column:
                metrics = gr.Markdown(metrics_markdown(None), elem_id="metrics")
                with gr.Tabs():
                    with gr.Tab("Request"):
                        request_view = gr.Code("Nothing sent yet.", language=None, label="Request", elem_id="request", buttons=["copy"], wrap_lines=True)
                    with gr.Tab("Response"):
                        response_view = gr.Code("Nothing received yet.", language=None, label="Response", elem_id="response", buttons=["copy"], wrap_lines=True)
                    with gr.Tab("Code"):
                        code_choice = gr.Radio(CODE_CHOICES, value=CODE_CHOICES[0], show_label=False, elem_id="code-lang")
                        code_view = gr.Code(_code(CODE_CHOICES[0], None)[0], language="python", label="Code", elem_id="code", buttons=["copy"], wrap_lines=True)

        chatbot_a, metrics_a, request_a, response_a = panes["a"]
        chatbot_b, metrics_b, request_b, response_b = panes["b"]
        single = Pane(chatbot, conversation, metrics, request_view, response_view)
        pane_a = Pane(chatbot_a, conversation, metrics_a, request_a, response_a)
        pane_b = Pane(chatbot_b, conversation_b, metrics_b, request_b, response_b)

        setting_inputs = [endpoint, model, api_base, token, context, system_prompt, max_tokens, temperature, top_p, stop, seed, route, provider, bill_to]
        b_inputs = [endpoint_b, model_b, api_base_b, token_b]
        chat_inputs = [compare, busy, chatbot, chatbot_a, chatbot_b, conversation, conversation_b, turn_log, code_choice, task_base, *setting_inputs, *b_inputs]
        turn_outputs = [
            message, chatbot, chatbot_a, chatbot_b, conversation, conversation_b, last_turn, turn_log, code_view, task_info, send, stop_button, busy,
            metrics, request_view, response_view, metrics_a, request_a, response_a, metrics_b, request_b, response_b,
        ]

        def read_chats(shown, shown_a, shown_b, convo, convo_b, log) -> Chats:
            return Chats(_display(shown), _display(shown_a), _display(shown_b), list(convo or []), list(convo_b or []), list(log or []))

        def split(values: tuple[Any, ...]) -> tuple[TurnInputs, TurnInputs]:
            inputs = _inputs(values[: len(setting_inputs)])
            kind_b, model_id_b, url_b, typed_b = values[len(setting_inputs):]
            return inputs, replace(inputs, endpoint=kind_b, model=model_id_b, api_base=url_b, token=typed_b, provider=AUTO, side="B")

        async def stream_turn(
            text: str, chats: Chats, on: bool, choice: str, inputs: TurnInputs, inputs_b: TurnInputs, base: str = "", *, clear_box: bool = True
        ):
            """One message to one endpoint, or to both sides at once in compare mode: yields
            {component: value} for what changed, and leaves ``chats`` as the turn ended them."""
            if on:
                sides = {"a": (PaneTurn(pane_a, text, chats.shown_a, chats.convo), inputs),
                         "b": (PaneTurn(pane_b, text, chats.shown_b, chats.convo_b), inputs_b)}
            else:
                sides = {"single": (PaneTurn(single, text, chats.shown, chats.convo), inputs)}
            running = run_side_by_side(**{name: run_turn(turn.convo, text, side_inputs, settings) for name, (turn, side_inputs) in sides.items()})
            cleared = not clear_box
            titled: set[str] = set()
            async for name, update in running:
                turn, side_inputs = sides[name]
                out, fresh = turn.render(update)
                if on and name not in titled:  # each pane says what it talks to
                    out[turn.pane.chatbot] = gr.update(value=out[turn.pane.chatbot], label=pane_title(name, side_inputs))
                    titled.add(name)
                if not on:  # the code view shows the one chat's call
                    last = {"call": update.call, "exchanges": update.exchanges}
                    out[last_turn] = last
                    if fresh:
                        out[code_view] = gr.update(value=_code(choice, last)[0], language=_code(choice, last)[1])
                if update.finished:
                    chats.log = log_turns(chats.log, turn_record(name if on else None, side_inputs, text, update))
                    out[turn_log] = chats.log
                    if name in ("single", "a") and base:  # the route this turn really took, beside what was expected
                        out[task_info] = with_last_route(base, update.exchanges)
                if not cleared:  # emptied once, as the turn starts: what is typed while it streams stays
                    out[message] = ""
                    cleared = True
                yield out
            if on:
                (turn_a, _), (turn_b, _) = sides["a"], sides["b"]
                chats.shown_a, chats.convo, chats.shown_b, chats.convo_b = turn_a.shown, turn_a.convo, turn_b.shown, turn_b.convo
            else:
                chats.shown, chats.convo = sides["single"][0].shown, sides["single"][0].convo

        STARTED = {send: gr.update(interactive=False), stop_button: gr.update(interactive=True), busy: True}
        ENDED = {send: gr.update(interactive=True), stop_button: gr.update(interactive=False), busy: False}

        async def controlled(updates):
            """Send waits and Stop wakes while a reply runs; both return to rest when it ends
            (or when Stop ends it: see on_stop)."""
            first = True
            async for out in updates:
                yield {**out, **STARTED} if first else out
                first = False
            if not first:
                yield ENDED

        def still_running() -> None:
            gr.Warning("A reply is still coming: wait for it, or press Stop. What you typed stays in the box.")

        async def on_send(text, on, is_busy, shown, shown_a, shown_b, convo, convo_b, log, choice, base, *values):
            if is_busy:
                still_running()
                yield {}  # a generator that yields nothing would empty every output
                return
            inputs, inputs_b = split(values)
            chats = read_chats(shown, shown_a, shown_b, convo, convo_b, log)
            async for out in controlled(stream_turn(text, chats, on, choice, inputs, inputs_b, base)):
                yield out

        async def on_retry(on, is_busy, shown, shown_a, shown_b, convo, convo_b, log, choice, base, *values):
            if is_busy:
                still_running()
                yield {}  # a generator that yields nothing would empty every output
                return
            inputs, inputs_b = split(values)
            chats = read_chats(shown, shown_a, shown_b, convo, convo_b, log)
            main = chats.shown_a if on else chats.shown
            last_user = _last_user(main)
            if last_user is None:
                gr.Warning("There is no message to retry yet.")
                yield {}  # a generator that yields nothing would empty every output
                return
            text = main[last_user]["content"]
            if on:
                chats.shown_a = main[:last_user]
                chats.shown_b = chats.shown_b[: _last_user(chats.shown_b) or 0]
                chats.convo_b = _without_turn(chats.convo_b, text)
            else:
                chats.shown = main[:last_user]
            chats.convo = _without_turn(chats.convo, text)
            async for out in controlled(stream_turn(text, chats, on, choice, inputs, inputs_b, base, clear_box=False)):
                yield out

        async def on_replay(on, is_busy, shown, shown_a, shown_b, convo, convo_b, log, choice, base, *values):
            """Send the conversation's user turns again, one by one, to the endpoints now chosen."""
            if is_busy:
                still_running()
                yield {}  # a generator that yields nothing would empty every output
                return
            inputs, inputs_b = split(values)
            chats = read_chats(shown, shown_a, shown_b, convo, convo_b, log)
            texts = [m["content"] for m in chats.convo if m["role"] == "user"]
            if not texts:
                gr.Warning("There is nothing to replay yet: send messages or import a session first.")
                yield {}  # a generator that yields nothing would empty every output
                return
            for side_inputs in (inputs, inputs_b) if on else (inputs,):
                try:  # a replay that cannot be sent must not replace the answers with errors
                    await prepare_endpoint(side_inputs, settings)
                except InputProblem as problem:
                    gr.Warning(f"Replay cannot start: {problem} Nothing was changed.")
                    yield {}  # a generator that yields nothing would empty every output
                    return

            async def every_turn():
                chats.shown, chats.shown_a, chats.shown_b, chats.convo, chats.convo_b = [], [], [], [], []
                for text in texts:
                    async for out in stream_turn(text, chats, on, choice, inputs, inputs_b, base, clear_box=False):
                        yield out

            async for out in controlled(every_turn()):
                yield out

        send_event = send.click(on_send, [message, *chat_inputs], turn_outputs, api_visibility="private")
        submit_event = message.submit(on_send, [message, *chat_inputs], turn_outputs, api_visibility="private")
        retry_event = retry.click(on_retry, chat_inputs, turn_outputs, api_visibility="private")
        replay_event = replay.click(on_replay, chat_inputs, turn_outputs, api_visibility="private")
        running = [send_event, submit_event, retry_event, replay_event]

        def on_stop(on: bool, was_busy: bool, shown, shown_a, shown_b):
            """Stop ends the turn where a person sees it: the partial reply is marked, the
            figures say so, and Send is back."""
            out: dict[Any, Any] = dict(ENDED)
            if not was_busy:
                return out
            for chat, pane in ((chatbot_a, pane_a), (chatbot_b, pane_b)) if on else ((chatbot, single),):
                messages = _display({chatbot_a: shown_a, chatbot_b: shown_b, chatbot: shown}[chat])
                if messages and messages[-1]["role"] == "assistant":
                    messages[-1] = {"role": "assistant", "content": messages[-1]["content"].rstrip("…").rstrip() + f"\n\n{STOPPED}"}
                out[chat] = messages
                out[pane.metrics] = "**Stopped** by you: the partial reply stays in the chat and is not sent to the model as history."
            return out

        stop_button.click(
            on_stop, [compare, busy, chatbot, chatbot_a, chatbot_b], [chatbot, chatbot_a, chatbot_b, metrics, metrics_a, metrics_b, send, stop_button, busy],
            cancels=running, api_visibility="private",
        )

        def on_clear():
            empty = {chatbot: [], chatbot_a: [], chatbot_b: [], conversation: [], conversation_b: [], last_turn: None, turn_log: []}
            for pane in (single, pane_a, pane_b):
                empty.update({pane.request: "Nothing sent yet.", pane.response: "Nothing received yet.", pane.metrics: metrics_markdown(None)})
            return {**empty, code_view: _code(CODE_CHOICES[0], None)[0], **ENDED}

        clear.click(on_clear, None, turn_outputs, cancels=running, api_visibility="private")
        for pane_chat in (chatbot, chatbot_a, chatbot_b):  # the chat's own trash icon is Clear: one history, not two
            pane_chat.clear(on_clear, None, turn_outputs, cancels=running, api_visibility="private")
        code_choice.change(
            lambda choice, last: gr.update(value=_code(choice, last)[0], language=_code(choice, last)[1]),
            [code_choice, last_turn], [code_view], api_visibility="private",
        )

        def compare_layout(on: bool, shown: list[dict[str, Any]] | None = None) -> dict[Any, Any]:
            """One chat, or two panes; ``shown`` also sets the one chat's messages."""
            single_chat = gr.update(visible=not on) if shown is None else gr.update(visible=not on, value=shown)
            return {
                chatbot: single_chat, compare_row: gr.update(visible=on),
                payload_column: gr.update(visible=not on), side_b: gr.update(visible=on),
            }

        def on_compare(on: bool, shown, shown_a, convo):
            """Both panes start from the conversation so far; leaving compare keeps side A's."""
            if on:
                return {**compare_layout(True), chatbot_a: _display(shown), chatbot_b: _display(shown), conversation_b: list(convo or [])}
            return compare_layout(False, _display(shown_a))

        # .input (the person's click), not .change: an import sets the box without resetting the panes.
        compare.input(
            on_compare, [compare, chatbot, chatbot_a, conversation],
            [chatbot, compare_row, payload_column, side_b, chatbot_a, chatbot_b, conversation_b], api_visibility="private",
        )

        def export_session(on, convo, convo_b, log, *values):
            inputs, inputs_b = split(values)
            return export_json(inputs, list(convo or []), list(log or []), compare=on, inputs_b=inputs_b, conversation_b=list(convo_b or []))

        export.click(
            export_session, [compare, conversation, conversation_b, turn_log, *setting_inputs, *b_inputs], [export_data], api_visibility="private",
        ).then(None, [export_data], [export_data], js=DOWNLOAD_JS, api_visibility="private")

        restore_outputs = [
            endpoint, model, api_base, token, context, system_prompt, max_tokens, temperature, top_p, stop, seed, route,
            compare, endpoint_b, model_b, api_base_b, token_b, chatbot, chatbot_a, chatbot_b, conversation, conversation_b, turn_log,
            compare_row, payload_column, side_b,
        ]

        def on_import(path: str | None, on: bool, shown, shown_a):
            try:
                restored = read_export(_read_upload(path), settings)
            except ImportProblem as problem:
                note = {"role": "assistant", "content": f"⚠️ {problem} Nothing in this session was changed."}
                return {chatbot_a: [*_display(shown_a), note]} if on else {chatbot: [*_display(shown), note]}
            shown_restored = list(restored.conversation)
            out: dict[Any, Any] = {
                endpoint: restored.endpoint["kind"], model: restored.endpoint["model"] or PRESETS[2], api_base: restored.endpoint["api_base"],
                token: "", token_b: "",  # a token is never restored: the person types it again
                **{component: restored.generation[name] for name, component in
                   (("context", context), ("system_prompt", system_prompt), ("max_tokens", max_tokens), ("temperature", temperature),
                    ("top_p", top_p), ("stop", stop), ("route", route)) if name in restored.generation},
                seed: str(restored.generation.get("seed", "")),
                chatbot_a: shown_restored, conversation: restored.conversation, turn_log: restored.turns,
                compare: restored.compare is not None, **compare_layout(restored.compare is not None, shown_restored),
            }
            if restored.compare is not None:
                side = restored.compare
                out.update({
                    endpoint_b: side["endpoint"]["kind"], model_b: side["endpoint"]["model"] or PRESETS[1], api_base_b: side["endpoint"]["api_base"],
                    chatbot_b: list(side["conversation"]), conversation_b: side["conversation"],
                })
            turns = len(restored.conversation) // 2
            gr.Info(f"Session loaded: {turns} turn{'s' * (turns != 1)}. Tokens are never saved: type yours again before sending or replaying.")
            return out

        def on_share(*values):
            return gr.update(value=setup_query(_inputs(values)), visible=True)

        share.click(on_share, setting_inputs, [share_link], api_visibility="private").then(
            None, [share_link], [share_link], api_visibility="private",
            js="(q) => (q && q.startsWith('?')) ? window.location.origin + window.location.pathname + q : q",
        )
        by_name = dict(zip(SETTING_FIELDS, setting_inputs))

        def on_link(request: gr.Request):
            """A shared link's settings, filled in as the page opens (notes for what was ignored)."""
            shared = read_setup(dict(request.query_params) if request is not None else {})
            out: dict[Any, Any] = {by_name[name]: value for name, value in shared.values.items() if name in by_name}
            if shared.values.get("endpoint") in (PUBLIC, PRIVATE):
                out[api_base] = gr.update(value=shared.values.get("api_base", ""), visible=True)
            out[link_note] = "\n".join(f"⚠️ {note}" for note in shared.notes)
            return out


        import_button.upload(on_import, [import_button, compare, chatbot, chatbot_a], restore_outputs, api_visibility="private")

        def on_kind(kind: str):
            dedicated = kind in (PUBLIC, PRIVATE)
            label = "Token (required)" if kind == PRIVATE else "Token (optional)"
            return (
                gr.update(visible=dedicated), gr.update(label=label, visible=kind != LOCAL), gr.update(visible=kind != LOCAL),
                gr.update(info=LOCAL_MODEL_INFO if kind == LOCAL else MODEL_INFO),
            )

        endpoint.change(on_kind, [endpoint], [api_base, token, mine_group, model], api_visibility="private")

        def on_kind_b(kind: str):
            label = f"Side B: token ({'required' if kind == PRIVATE else 'optional'})"
            return gr.update(visible=kind in (PUBLIC, PRIVATE)), gr.update(label=label, visible=kind != LOCAL)

        endpoint_b.change(on_kind_b, [endpoint_b], [api_base_b, token_b], api_visibility="private")

        async def on_target(kind: str, model_id: str, url: str, typed: str, picked: str):
            """Learn what serves the model and show it: the task line, the context box for a
            question-answering model, the provider picker for Inference Providers, and the
            model a dedicated endpoint serves (filled in when the Model box is empty)."""
            hidden = {task_info: "", task_base: "", context: gr.update(visible=False), provider: gr.update(visible=False)}
            try:
                chosen = await prepare_endpoint(TurnInputs(endpoint=kind, model=model_id, api_base=url, token=typed), settings)
            except InputProblem as problem:
                shown = f"⚠️ {problem}" if kind in (PUBLIC, PRIVATE) and url and url.strip() else ""
                return {**hidden, task_info: shown}
            try:
                info = await aresolve_route(chosen.model, api_base=chosen.api_base, api_key=chosen.api_key)
            except BadRequestError as error:
                return {**hidden, task_info: f"⚠️ {error.message}"}
            except APIError:
                return {**hidden, task_info: "Task: not known yet (the endpoint did not answer); it is learnt again when you send."}
            shown = task_line(info)
            out: dict[Any, Any] = {context: gr.update(visible=info.route == "question-answering"), provider: gr.update(visible=False)}
            fitting = TASK_EXAMPLES.get(info.route, EXAMPLES) if info.route != "chat" else EXAMPLES
            out[examples.dataset] = gr.Dataset(samples=[[text] for text in fitting])
            if kind == LOCAL:
                shown += "\n\nLocal demo: no model runs here; every reply is canned, to show the flow and the wire offline."
            if info.router and kind == DEFAULT:
                choices = provider_choices(find(await catalogue(), model_id))
                keep = picked if picked in {value for _, value in choices} else AUTO
                out[provider] = gr.update(visible=True, choices=choices, value=keep)
            if info.served_model and kind in (PUBLIC, PRIVATE):
                if not (model_id or "").strip():
                    out[model] = info.served_model  # the Model box follows the endpoint
                elif models_differ(model_id, info.served_model):
                    shown += f"\n\n⚠️ The endpoint serves **{info.served_model}**, not {model_id}: the replies come from {info.served_model}."
            return {**out, task_info: shown, task_base: shown}

        async def catalogue() -> list[Any]:
            """The router's chat models (cached by the library); empty when it cannot be reached."""
            try:
                return await alist_models()
            except APIError:
                return []

        async def on_load_models():
            """The Model box offers the router's chat models beside the presets (its value is
            left alone: a shared link may be setting it at the same time)."""
            listed = [m.id for m in await catalogue() if m.id not in PRESETS]
            return gr.update(choices=PRESETS + listed)

        async def on_list_mine(typed: str):
            listing = await list_mine(typed, settings)
            found = {key_of(e): e for e in listing.endpoints}
            return gr.update(choices=listing.choices, value=None), listing.message, found

        def on_pick_mine(picked: str | None, found: dict[str, Any]):
            endpoint_chosen = (found or {}).get(picked or "")
            if endpoint_chosen is None:
                return {}
            chosen = choose_mine(endpoint_chosen)
            return {endpoint: chosen.kind, api_base: gr.update(value=chosen.url, visible=True), model: chosen.model, mine_status: chosen.sentence}

        my_refresh.click(on_list_mine, [token], [my_endpoints, mine_status, mine], api_visibility="private")
        my_endpoints.input(on_pick_mine, [my_endpoints, mine], [endpoint, api_base, model, mine_status], api_visibility="private")
        demo.load(on_load_models, None, [model], api_visibility="private", show_progress="hidden")
        if listing_token("", settings):  # the server's own token may list endpoints here (not a Space)
            demo.load(on_list_mine, [token], [my_endpoints, mine_status, mine], api_visibility="private", show_progress="hidden")

        async def on_doctor(kind: str, model_id: str, url: str, typed: str, route_choice: str):
            """The endpoint check: its report beside the settings, its probes folded under it
            (the Request and Response tabs keep the last turn's)."""
            inputs = TurnInputs(endpoint=kind, model=model_id, api_base=url, token=typed, route=route_choice)
            yield checking_html(inputs)
            result = await check_endpoint(inputs, settings)
            yield result.html

        doctor.click(on_doctor, [endpoint, model, api_base, token, route], [doctor_report], api_visibility="private", show_progress="hidden")
        for change in (endpoint.change, model.change, api_base.change, token.change):
            change(lambda: "", None, [doctor_report], api_visibility="private", show_progress="hidden")  # a report of other settings misleads

        target_inputs = [endpoint, model, api_base, token, provider]
        target_outputs = [task_info, task_base, context, provider, model, examples.dataset]
        for trigger in (endpoint.change, model.change, api_base.blur, api_base.submit, token.blur):
            trigger(on_target, target_inputs, target_outputs, api_visibility="private", show_progress="hidden")
        # The link first, then what serves the model it names: one chain, so the task line matches the link.
        demo.load(on_link, None, [*setting_inputs, link_note], api_visibility="private", show_progress="hidden").then(
            on_target, target_inputs, target_outputs, api_visibility="private", show_progress="hidden",
        )


        async def chat(
            message: str,
            history: list[dict] | None = None,
            endpoint: str = DEFAULT,
            model: str = PRESETS[2],
            api_base: str = "",
            token: str = "",
            context: str = "",
            system_prompt: str = "",
            max_tokens: int = 256,
            temperature: float = 0.7,
            top_p: float = 0.95,
            stop: str = "",
            seed: int | None = None,
            route: str = "auto",
            provider: str = AUTO,
            bill_to: str = "",
        ) -> tuple[str, dict]:
            """One chat turn, streamed: yields (reply so far, details). The details hold
            "status" ("done", "error", ...), "error" (a sentence, or null), "route",
            "figures", "provider", "engine", "cost" (USD, an estimate from the provider's prices)
            and "exchanges" (every HTTP exchange of the turn, token redacted). ``history`` is
            the earlier turns as [{"role": ..., "content": ...}]. On the default endpoint,
            ``provider`` is "auto", a policy (fastest, cheapest, preferred) or a provider's
            name, and ``bill_to`` an organisation that pays."""
            inputs = TurnInputs(
                endpoint=endpoint, model=model, api_base=api_base, token=token, context=context, system_prompt=system_prompt,
                max_tokens=max_tokens, temperature=temperature, top_p=top_p, stop=stop, seed=seed, route=route,
                provider=provider or AUTO, bill_to=bill_to or "",
            )
            async for update in run_turn(_display(history), message, inputs, settings):
                if update.status == "waiting":
                    continue  # nothing to tell a script yet; every update costs Gradio's queue a full round
                # Partial updates carry the reply; the exchanges come once, with the last one
                # (sending every event again with every token would grow as the square of the reply).
                yield update.reply, _details(update, with_exchanges=update.finished)

        gr.api(chat, api_name="chat")
    demo.queue(default_concurrency_limit=settings.concurrency)
    return demo


def _details(update: TurnUpdate, *, with_exchanges: bool = True) -> dict[str, Any]:
    figures: Figures | None = update.figures
    return json.loads(
        json.dumps(
            {
                "status": update.status,
                "error": update.error,
                "route": update.call.route if update.call else None,
                "figures": None if figures is None else figures.to_dict(),
                "provider": figures.provider if figures else None,
                "engine": figures.engine if figures else None,
                "cost": figures.cost if figures else None,
                "exchanges": [exchange.to_dict() for exchange in update.exchanges] if with_exchanges else [],
            },
            default=str,
        )
    )


def launch_options(settings: AppSettings) -> dict[str, Any]:
    """What ``launch()`` needs beyond Gradio's defaults (host and port come from
    GRADIO_SERVER_NAME / GRADIO_SERVER_PORT, which Gradio reads itself)."""
    # Gradio's queue runs at most max_threads events at once, whatever the concurrency limits
    # say (queueing.Queue.active_jobs); the chat handlers are async, so this costs no threads.
    return {
        "run_history": False, "css": CSS, "footer_links": ["api"], "max_threads": max(40, settings.concurrency),
        # Gradio keeps every session's copy of the page's config (about 0.1 MB here) for up
        # to 10,000 sessions by default; a public Space meets that many.
        "state_session_capacity": settings.max_sessions,
        "max_file_size": MAX_FILE_BYTES,  # the only upload is a session export
    }
