"""The Gradio Blocks page: components and the wiring of their events, nothing more.

Handlers turn component values into :class:`TurnInputs`, run :func:`run_turn`, and turn
its updates into component values. Session state lives in ``gr.State`` (server side, per
browser session); nothing per visitor is kept in module globals.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import gradio as gr

from playground import APIError, BadRequestError, aresolve_route
from playground._prompt import content_text

from .doctor import check as check_endpoint
from .doctor import checking_html
from .settings import AppSettings
from .turn import DEFAULT, LOCAL, PRIVATE, PUBLIC, ROUTE_CHOICES, InputProblem, TurnInputs, TurnUpdate, prepare_endpoint, run_turn
from .views import Figures, curl_code, inference_client_code, metrics_markdown, python_code, request_text, response_text

PRESETS = ["deepset/deberta-v3-large-squad2", "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf"]
KIND_CHOICES = [
    ("Default · serverless Inference API", DEFAULT),
    ("Public endpoint · URL", PUBLIC),
    ("Private endpoint · URL + token", PRIVATE),
    ("Local demo · canned replies, works offline", LOCAL),
]
VIEW_INTERVAL = 0.5  # seconds between renders of the payload views while a reply streams
PROGRESS = {"waiting": "Sending…", "loading": "Waiting for the model to load…", "streaming": "Streaming…"}
CODE_CHOICES = ["Python (playground)", "curl", "InferenceClient"]
EXAMPLES = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain what an inference endpoint is in two sentences.",
]
INTRO = (
    "# HF Endpoint Playground\n"
    "Chat with a model on the serverless Inference API or your own Inference Endpoint, and see "
    "the exact HTTP request and response beside every reply."
)
CSS = """
#request, #response, #code { max-height: 540px; overflow: auto; }
#metrics table { font-size: 0.85em; }
.doctor-panel { font-size: 0.9em; }
.doctor-panel ul { list-style: none; padding-left: 0; margin: 0.4em 0 0; }
.doctor-panel li { margin: 0.3em 0; padding-left: 1.4em; text-indent: -1.4em; }
.doctor-mark { font-size: 1.3em; line-height: 1; margin-right: 0.2em; }
.doctor-ok .doctor-mark { color: #16a34a; }
.doctor-warn .doctor-mark { color: #d97706; }
.doctor-fail .doctor-mark { color: #dc2626; }
.doctor-where { color: var(--body-text-color-subdued); }
"""

# The inputs of a turn, in the order the handlers receive them after the chat values.
SETTING_FIELDS = ["endpoint", "model", "api_base", "token", "context", "system_prompt", "max_tokens", "temperature", "top_p", "stop", "seed", "route"]


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
    return update.reply or ("…" if not update.finished else "(the model returned no text)")


def _code(choice: str, last: dict[str, Any] | None) -> tuple[str, str | None]:
    if not last or last.get("call") is None:
        return "# Send a message: the same call appears here as code.", "python"
    if choice == "curl":
        return curl_code(last["exchanges"]), "shell"
    if choice == "InferenceClient":
        return inference_client_code(last["call"]), "python"
    return python_code(last["call"]), "python"


def build_app(settings: AppSettings) -> gr.Blocks:
    """The playground page. ``launch()`` it with ``launch_options(settings)``."""
    with gr.Blocks(title="HF Endpoint Playground") as demo:
        conversation = gr.State([])  # messages of successful turns: what the model is sent as history
        last_turn = gr.State(None)  # the last turn's call and exchanges, for the code view

        gr.Markdown(INTRO)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=260):
                endpoint = gr.Radio(KIND_CHOICES, value=settings.default_endpoint, label="Endpoint", elem_id="endpoint")
                model = gr.Dropdown(
                    PRESETS, value=PRESETS[2], label="Model", allow_custom_value=True, elem_id="model",
                    info="A preset, or any model id from the Hub.",
                )
                task_info = gr.Markdown("", elem_id="task")
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
                doctor = gr.Button("Check endpoint", elem_id="doctor", size="sm")
                doctor_report = gr.HTML("", elem_id="doctor-report")
                context = gr.Textbox(
                    label="Context", lines=4, visible=False, elem_id="context",
                    placeholder="The passage of text the question is about.",
                )
                with gr.Accordion("Generation settings", open=False):
                    system_prompt = gr.Textbox(label="System prompt", lines=2, elem_id="system-prompt")
                    max_tokens = gr.Slider(1, 4096, value=256, step=1, label="Max new tokens", elem_id="max-tokens")
                    temperature = gr.Slider(0, 2, value=0.7, step=0.05, label="Temperature", elem_id="temperature")
                    top_p = gr.Slider(0.01, 1, value=0.95, step=0.01, label="Top-p", elem_id="top-p")
                    stop = gr.Textbox(label="Stop sequences", placeholder="comma-separated, e.g. ###, \\n\\n", elem_id="stop")
                    seed = gr.Number(label="Seed", value=None, precision=0, elem_id="seed")
                    route = gr.Radio(list(ROUTE_CHOICES), value="auto", label="Route", elem_id="route")
            with gr.Column(scale=5, min_width=320):
                chatbot = gr.Chatbot(label="Chat", height=520, elem_id="chatbot", buttons=["copy", "copy_all"])
                message = gr.Textbox(
                    label="Message", placeholder="Type a message and press Enter", lines=2, max_lines=8, elem_id="message"
                )
                with gr.Row():
                    send = gr.Button("Send", variant="primary", elem_id="send", scale=2, min_width=80)
                    stop_button = gr.Button("Stop", variant="stop", elem_id="stop", scale=1, min_width=60)
                    retry = gr.Button("Retry", elem_id="retry", scale=1, min_width=60)
                    clear = gr.Button("Clear", elem_id="clear", scale=1, min_width=60)
                gr.Examples(EXAMPLES, inputs=[message], label="Examples")
            with gr.Column(scale=5, min_width=320):
                metrics = gr.Markdown(metrics_markdown(None), elem_id="metrics")
                with gr.Tabs():
                    with gr.Tab("Request"):
                        request_view = gr.Code("Nothing sent yet.", language=None, label="Request", elem_id="request", buttons=["copy"], wrap_lines=True)
                    with gr.Tab("Response"):
                        response_view = gr.Code("Nothing received yet.", language=None, label="Response", elem_id="response", buttons=["copy"], wrap_lines=True)
                    with gr.Tab("Code"):
                        code_choice = gr.Radio(CODE_CHOICES, value=CODE_CHOICES[0], show_label=False, elem_id="code-lang")
                        code_view = gr.Code(_code(CODE_CHOICES[0], None)[0], language="python", label="Code", elem_id="code", buttons=["copy"], wrap_lines=True)

        setting_inputs = [endpoint, model, api_base, token, context, system_prompt, max_tokens, temperature, top_p, stop, seed, route]
        turn_outputs = [message, chatbot, conversation, last_turn, request_view, response_view, code_view, metrics]

        async def stream_turn(
            text: str, history: list[dict[str, Any]], convo: list[dict[str, Any]], choice: str, inputs: TurnInputs
        ) -> AsyncIterator[tuple[Any, ...]]:
            shown = [*history, {"role": "user", "content": text}, {"role": "assistant", "content": "…"}]
            views_at = 0.0
            async for update in run_turn(convo, text, inputs, settings):
                # The payload views grow with every event: render them twice a second while
                # streaming (and at the end), the chat with every update.
                now = time.monotonic()
                fresh_views = update.finished or update.status != "streaming" or now - views_at >= VIEW_INTERVAL
                if fresh_views:
                    views_at = now
                # A refused turn (nothing sent) stays in the chat with its sentence, like a failed one;
                # neither joins the conversation sent to the model, and Retry sends it again.
                shown[-1] = {"role": "assistant", "content": _assistant_text(update)}
                last = {"call": update.call, "exchanges": update.exchanges}
                new_convo = convo
                if update.succeeded:
                    new_convo = [*convo, {"role": "user", "content": text}, {"role": "assistant", "content": update.reply}]
                if not fresh_views:
                    yield "", shown, new_convo, last, gr.update(), gr.update(), gr.update(), gr.update()
                    continue
                yield (
                    "",
                    shown,
                    new_convo,
                    last,
                    request_text(update.exchanges) if update.exchanges or update.finished else "Waiting for the endpoint…",
                    response_text(update.exchanges) if update.exchanges or update.finished else "Waiting for the endpoint…",
                    gr.update(value=_code(choice, last)[0], language=_code(choice, last)[1]),
                    metrics_markdown(update.figures) if update.finished else PROGRESS.get(update.status, "Streaming…"),
                )

        async def on_send(text, history, convo, choice, *values):
            async for outputs in stream_turn(text, _display(history), convo, choice, _inputs(values)):
                yield outputs

        async def on_retry(history, convo, choice, *values):
            shown = _display(history)
            last_user = next((i for i in range(len(shown) - 1, -1, -1) if shown[i]["role"] == "user"), None)
            if last_user is None:
                gr.Warning("There is no message to retry yet.")
                return
            text = shown[last_user]["content"]
            kept = shown[:last_user]
            # The retried turn leaves the history if it was part of it.
            if len(convo) >= 2 and convo[-2] == {"role": "user", "content": text}:
                convo = convo[:-2]
            async for outputs in stream_turn(text, kept, convo, choice, _inputs(values)):
                yield outputs

        send_event = send.click(on_send, [message, chatbot, conversation, code_choice, *setting_inputs], turn_outputs, api_visibility="private")
        submit_event = message.submit(on_send, [message, chatbot, conversation, code_choice, *setting_inputs], turn_outputs, api_visibility="private")
        retry_event = retry.click(on_retry, [chatbot, conversation, code_choice, *setting_inputs], turn_outputs, api_visibility="private")
        stop_button.click(None, None, None, cancels=[send_event, submit_event, retry_event])
        clear.click(
            lambda: ([], [], None, "Nothing sent yet.", "Nothing received yet.", _code(CODE_CHOICES[0], None)[0], metrics_markdown(None)),
            None,
            [chatbot, conversation, last_turn, request_view, response_view, code_view, metrics],
            cancels=[send_event, submit_event, retry_event],
            api_visibility="private",
        )
        code_choice.change(
            lambda choice, last: gr.update(value=_code(choice, last)[0], language=_code(choice, last)[1]),
            [code_choice, last_turn], [code_view], api_visibility="private",
        )

        def on_kind(kind: str):
            dedicated = kind in (PUBLIC, PRIVATE)
            label = "Token (required)" if kind == PRIVATE else "Token (optional)"
            return gr.update(visible=dedicated), gr.update(label=label, visible=kind != LOCAL)

        endpoint.change(on_kind, [endpoint], [api_base, token], api_visibility="private")

        async def on_target(kind: str, model_id: str, url: str, typed: str):
            """Learn the model's task and show it; a question-answering model gets the context box."""
            try:
                chosen = await prepare_endpoint(TurnInputs(endpoint=kind, model=model_id, api_base=url, token=typed), settings)
            except InputProblem as problem:
                shown = f"⚠️ {problem}" if kind in (PUBLIC, PRIVATE) and url and url.strip() else ""
                return gr.update(value=shown), gr.update(visible=False)
            try:
                info = await aresolve_route(chosen.model, api_base=chosen.api_base, api_key=chosen.api_key)
            except BadRequestError as error:
                return gr.update(value=f"⚠️ {error.message}"), gr.update(visible=False)
            except APIError:
                return gr.update(value="Task: not known yet (the endpoint did not answer); it is learnt again when you send."), gr.update(visible=False)
            where = {"hub": "from the Hub", "endpoint /info": "from the endpoint's /info"}.get(info.source or "", "")
            task = info.task or "unknown"
            shown = f"Task: **{task}**{f' ({where})' if where else ''} · route: {info.route}"
            if kind == LOCAL:
                shown += "\n\nLocal demo: no model runs here; every reply is canned, to show the flow and the wire offline."
            return gr.update(value=shown), gr.update(visible=info.route == "question-answering")

        async def on_doctor(kind: str, model_id: str, url: str, typed: str, route_choice: str):
            """The endpoint check: its report beside the settings, its probes in the payload view."""
            inputs = TurnInputs(endpoint=kind, model=model_id, api_base=url, token=typed, route=route_choice)
            yield checking_html(inputs), gr.skip(), gr.skip()
            result = await check_endpoint(inputs, settings)
            yield result.html, request_text(result.exchanges), response_text(result.exchanges)

        doctor.click(
            on_doctor, [endpoint, model, api_base, token, route], [doctor_report, request_view, response_view],
            api_visibility="private", show_progress="hidden",
        )
        for change in (endpoint.change, model.change, api_base.change):
            change(lambda: "", None, [doctor_report], api_visibility="private", show_progress="hidden")  # a report of other settings misleads

        target_inputs = [endpoint, model, api_base, token]
        for trigger in (endpoint.change, model.change, api_base.blur, api_base.submit, token.blur):
            trigger(on_target, target_inputs, [task_info, context], api_visibility="private", show_progress="hidden")
        demo.load(on_target, target_inputs, [task_info, context], api_visibility="private", show_progress="hidden")

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
        ) -> tuple[str, dict]:
            """One chat turn, streamed: yields (reply so far, details). The details hold
            "status" ("done", "error", ...), "error" (a sentence, or null), "route",
            "figures" and "exchanges" (every HTTP exchange of the turn, token redacted).
            ``history`` is the earlier turns as [{"role": ..., "content": ...}]."""
            inputs = TurnInputs(
                endpoint=endpoint, model=model, api_base=api_base, token=token, context=context, system_prompt=system_prompt,
                max_tokens=max_tokens, temperature=temperature, top_p=top_p, stop=stop, seed=seed, route=route,
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
                "figures": None if figures is None else {**figures.__dict__, "tokens_per_second": figures.tokens_per_second},
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
    }
