"""The payload view beside the chat: the last turn's figures, the exact request and
response on the wire, and the same call as code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from .views import curl_code, inference_client_code, metrics_markdown, python_code

CODE_CHOICES = ["Python (playground)", "curl", "InferenceClient"]
NOTHING_SENT = "Nothing sent yet."
NOTHING_RECEIVED = "Nothing received yet."


def code_for(choice: str, last: dict[str, Any] | None) -> tuple[str, str | None]:
    """The last turn's call as code in the chosen language, and the language's name."""
    if not last or last.get("call") is None:
        return "# Send a message: the same call appears here as code.", "python"
    if choice == "curl":
        return curl_code(last["exchanges"]), "shell"
    if choice == "InferenceClient":
        return inference_client_code(last["call"]), "python"
    return python_code(last["call"]), "python"


def code_update(choice: str, last: dict[str, Any] | None) -> Any:
    text, language = code_for(choice, last)
    return gr.update(value=text, language=language)


@dataclass(frozen=True)
class PayloadView:
    column: Any
    metrics: Any
    request: Any
    response: Any
    code_choice: Any
    code: Any
    last_turn: Any  # gr.State: the last turn's call and exchanges, for the code view


def build_payload_view(**column: Any) -> PayloadView:
    """The figures line, then Request / Response / Code tabs, in a column of their own."""
    last_turn = gr.State(None)
    with gr.Column(**column) as payload_column:
        metrics = gr.Markdown(metrics_markdown(None), elem_id="metrics")
        with gr.Tabs():
            with gr.Tab("Request"):
                request = gr.Code(NOTHING_SENT, language=None, label="Request", elem_id="request", buttons=["copy"], wrap_lines=True)
            with gr.Tab("Response"):
                response = gr.Code(NOTHING_RECEIVED, language=None, label="Response", elem_id="response", buttons=["copy"], wrap_lines=True)
            with gr.Tab("Code"):
                code_choice = gr.Radio(CODE_CHOICES, value=CODE_CHOICES[0], show_label=False, elem_id="code-lang")
                code = gr.Code(code_for(CODE_CHOICES[0], None)[0], language="python", label="Code", elem_id="code", buttons=["copy"], wrap_lines=True)
    return PayloadView(payload_column, metrics, request, response, code_choice, code, last_turn)
