"""Compare side by side: side B's endpoint settings and the two panes, each with its chat,
figures and request/response view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import gradio as gr

from .chat_pane import Pane
from .payload_view import NOTHING_RECEIVED, NOTHING_SENT
from .settings import AppSettings
from .turn import DEFAULT, LOCAL, PRIVATE, PUBLIC, TurnInputs
from .views import metrics_markdown

PRESETS_B = "meta-llama/Llama-2-7b-hf"


def place(kind: str, url: str | None) -> str:
    """Where the model runs, in a few plain words: "Inference Providers", a host name..."""
    url = (url or "").strip()
    return {DEFAULT: "Inference Providers", LOCAL: "Local demo"}.get(kind) or (urlsplit(url).netloc or url[:60] or "no URL")


def pane_title(side: str, inputs: TurnInputs) -> str:
    """"Side A · meta-llama/Llama-3.1-8B-Instruct · Inference Providers"."""
    return f"Side {side.upper()} · {(inputs.model or '').strip() or 'no model'} · {place(inputs.endpoint, inputs.api_base)}"


@dataclass(frozen=True)
class SideB:
    """Side B's endpoint: its own kind, model, URL and token (the rest is shared with A)."""

    group: Any
    endpoint: Any
    model: Any
    api_base: Any
    token: Any

    @property
    def inputs(self) -> list[Any]:
        return [self.endpoint, self.model, self.api_base, self.token]

    def on_kind(self, kind: str) -> tuple[Any, Any]:
        label = f"Side B: token ({'required' if kind == PRIVATE else 'optional'})"
        return gr.update(visible=kind in (PUBLIC, PRIVATE)), gr.update(label=label, visible=kind != LOCAL)


@dataclass(frozen=True)
class ComparePanes:
    row: Any
    a: Pane
    b: Pane
    side_b: SideB


def build_side_b(settings: AppSettings, kinds: list[tuple[str, str]], presets: list[str]) -> SideB:
    with gr.Group() as group:
        endpoint = gr.Radio(kinds, value=settings.default_endpoint, label="Side B: endpoint", elem_id="endpoint-b")
        model = gr.Dropdown(presets, value=PRESETS_B, label="Side B: model", allow_custom_value=True, elem_id="model-b")
        api_base = gr.Textbox(
            label="Side B: API base URL", placeholder="https://xyz.endpoints.huggingface.cloud",
            visible=settings.default_endpoint in (PUBLIC, PRIVATE), elem_id="api-base-b",
        )
        token = gr.Textbox(
            label="Side B: token (optional)", type="password", placeholder="hf_...", elem_id="token-b",
            visible=settings.default_endpoint != LOCAL, info="Sent only to side B's endpoint; never stored.",
        )
    return SideB(group, endpoint, model, api_base, token)


def build_compare_panes(settings: AppSettings, conversation_a: Any, kinds: list[tuple[str, str]], presets: list[str]) -> ComparePanes:
    """Two panes in a row (hidden until compare is on), side B's settings right above its
    own pane. Side A's history is the one chat's."""
    conversation_b = gr.State([])
    panes = {}
    side_b = None
    with gr.Row(visible=False, equal_height=False, elem_id="compare-row") as row:
        for side, conversation in (("a", conversation_a), ("b", conversation_b)):
            with gr.Column(min_width=280):
                if side == "b":
                    side_b = build_side_b(settings, kinds, presets)
                chat = gr.Chatbot(label=f"Side {side.upper()}", height=460, elem_id=f"chatbot-{side}", buttons=["copy", "copy_all"])
                metrics = gr.Markdown(metrics_markdown(None), elem_id=f"metrics-{side}")
                with gr.Accordion(f"Side {side.upper()}: request and response", open=False, elem_id=f"payload-{side}"):
                    request = gr.Code(NOTHING_SENT, language=None, label="Request", elem_id=f"request-{side}", buttons=["copy"], wrap_lines=True)
                    response = gr.Code(NOTHING_RECEIVED, language=None, label="Response", elem_id=f"response-{side}", buttons=["copy"], wrap_lines=True)
            panes[side] = Pane(chat, conversation, metrics, request, response)
    assert side_b is not None
    return ComparePanes(row, panes["a"], panes["b"], side_b)
