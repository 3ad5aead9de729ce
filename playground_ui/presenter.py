"""The presenter view, for showing an endpoint to people who do not program: the chat
full width in large type, one plain line saying what answers, the settings and the wire
folded away ("Show what was sent" brings the wire back). A toggle, or ``?view=presenter``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from .compare import place

SHOW_WIRE = "Show what was sent"
HIDE_WIRE = "Hide what was sent"


def headline(kind: str, model: str | None, url: str | None) -> str:
    """"**meta-llama/Llama-3.1-8B-Instruct** on Inference Providers": what answers, in one line."""
    name = (model or "").strip() or "the endpoint's model"
    return f"Talking to **{name}** on {place(kind, url)}"


@dataclass(frozen=True)
class Presenter:
    toggle: Any
    headline: Any
    show_wire: Any
    wire_shown: Any  # gr.State: the wire is shown in the presenter view


def build_presenter() -> Presenter:
    """The line at the top of the presenter view, its "Show what was sent" button (both
    hidden in the full view) and the toggle, side by side in the header."""
    title = gr.Markdown("", elem_id="headline", visible=False)
    show_wire = gr.Button(SHOW_WIRE, elem_id="show-wire", size="sm", visible=False, scale=0, min_width=170)
    toggle = gr.Checkbox(False, label="Presenter view", elem_id="presenter", scale=0, min_width=170)
    return Presenter(toggle, title, show_wire, gr.State(False))
