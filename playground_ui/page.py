"""The page as its parts: what the event handlers of more than one part share."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import gradio as gr

from .chat_pane import ChatPane, Pane
from .compare import ComparePanes
from .payload_view import PayloadView
from .presenter import HIDE_WIRE, SHOW_WIRE, Presenter, headline
from .providers import AUTO
from .settings import AppSettings
from .settings_panel import SETTING_FIELDS, SettingsPanel, read_inputs
from .turn import TurnInputs
from .visitors import Visitor


@dataclass(frozen=True)
class Page:
    settings: AppSettings
    panel: SettingsPanel
    chat: ChatPane
    payload: PayloadView
    compare: ComparePanes
    presenter: Presenter
    sidebar: Any  # the settings drawer
    intro: Any
    turn_log: Any  # gr.State: every finished turn with its exchanges, for the export
    link_note: Any

    @property
    def single(self) -> Pane:
        """The one chat (compare off) with the payload view beside it."""
        return Pane(self.chat.chatbot, self.chat.conversation, self.payload.metrics, self.payload.request, self.payload.response)

    @property
    def setting_inputs(self) -> list[Any]:
        return self.panel.inputs(self.chat.context)

    @property
    def by_name(self) -> dict[str, Any]:
        return dict(zip(SETTING_FIELDS, self.setting_inputs))

    def split(self, values: tuple[Any, ...], who: Visitor = Visitor()) -> tuple[TurnInputs, TurnInputs]:
        """Values of ``setting_inputs`` then side B's four boxes to each side's inputs, for
        the visitor ``who`` (their sign-in serves both sides)."""
        count = len(SETTING_FIELDS)
        inputs = replace(read_inputs(values[:count]), signed_in=who.token, visitor=who.key)
        kind_b, model_b, url_b, typed_b = values[count:]
        return inputs, replace(inputs, endpoint=kind_b, model=model_b, api_base=url_b, token=typed_b, provider=AUTO, side="B")

    def compare_layout(self, on: bool, shown: list[dict[str, Any]] | None = None, *, wire: bool = True) -> dict[Any, Any]:
        """One chat with the payload view (unless ``wire`` is folded away), or two panes;
        ``shown`` also sets the one chat's messages."""
        single_chat = gr.update(visible=not on) if shown is None else gr.update(visible=not on, value=shown)
        return {self.chat.chatbot: single_chat, self.compare.row: gr.update(visible=on), self.payload.column: gr.update(visible=wire and not on)}

    # The presenter view.
    @property
    def view_inputs(self) -> list[Any]:
        return [self.presenter.toggle, self.panel.compare, self.panel.endpoint, self.panel.model, self.panel.api_base]

    @property
    def view_outputs(self) -> list[Any]:
        p = self.presenter
        return [self.sidebar, self.intro, p.headline, p.show_wire, p.wire_shown, self.payload.column]

    def on_view(self, on: bool, comparing: bool, kind: str, model: str, url: str) -> dict[Any, Any]:
        """Presenter view on: settings, intro and wire folded away, one line says what answers.
        Off: the full view as it was."""
        p = self.presenter
        return {
            self.sidebar: gr.update(open=not on), self.intro: gr.update(visible=not on),
            p.headline: gr.update(visible=on, value=headline(kind, model, url)), p.show_wire: gr.update(visible=on, value=SHOW_WIRE),
            p.wire_shown: False, self.payload.column: gr.update(visible=not on and not comparing),
        }

    def on_show_wire(self, shown: bool, comparing: bool) -> dict[Any, Any]:
        shown = not shown
        p = self.presenter
        return {p.wire_shown: shown, p.show_wire: gr.update(value=HIDE_WIRE if shown else SHOW_WIRE),
                self.payload.column: gr.update(visible=shown and not comparing)}
