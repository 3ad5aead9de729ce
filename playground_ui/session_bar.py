"""The session row under the chat: Export, Import, Replay (its handler is a turn: see
chat_events) and Share setup; and a shared link's settings applied as the page opens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from .chat_pane import display, error_note
from .page import Page
from .session import MAX_FILE_BYTES, ImportProblem, export_json, read_export
from .settings_panel import PRESETS, read_inputs
from .share import read_setup, setup_query
from .turn import PRIVATE, PUBLIC
from .compare import PRESETS_B

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
# The share link's query string becomes a whole link in the browser (the server does not know its own address).
LINK_JS = "(q) => (q && q.startsWith('?')) ? window.location.origin + window.location.pathname + q : q"


@dataclass(frozen=True)
class SessionBar:
    export: Any
    import_button: Any
    replay: Any
    share: Any
    share_link: Any
    export_data: Any


def build_session_bar() -> SessionBar:
    with gr.Row():
        export = gr.Button("Export session", elem_id="export", size="sm", min_width=60)
        import_button = gr.UploadButton(
            "Import session", file_types=[".json"], file_count="single", type="filepath", elem_id="import", size="sm", min_width=60,
        )
        replay = gr.Button("Replay", elem_id="replay", size="sm", min_width=60)
        share = gr.Button("Share setup", elem_id="share", size="sm", min_width=60)
    share_link = gr.Textbox(
        label="Link to this setup (never a token, never the conversation)", elem_id="share-link", visible=False,
        buttons=["copy"], interactive=False,
    )
    export_data = gr.Textbox(visible="hidden", elem_id="export-data")
    return SessionBar(export, import_button, replay, share, share_link, export_data)


def read_upload(path: str | None) -> bytes:
    if not path:
        raise ImportProblem("No file arrived: choose a session file (.json) saved with the Export button.")
    file = Path(path)
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ImportProblem(f"The file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB, so it is not a session export.")
    return file.read_bytes()


class SessionEvents:
    """The handlers of the session row and of a shared link, over the whole page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        panel, chat, compare = page.panel, page.chat, page.compare
        self.export_inputs = [panel.compare, chat.conversation, compare.b.conversation, page.turn_log, *page.setting_inputs, *compare.side_b.inputs]
        self.import_inputs = [panel.compare, chat.chatbot, compare.a.chatbot, page.presenter.toggle, page.presenter.wire_shown]
        self.restore_outputs = [
            panel.endpoint, panel.model, panel.api_base, panel.token, chat.context, panel.system_prompt, panel.max_tokens,
            panel.temperature, panel.top_p, panel.stop, panel.seed, panel.route, panel.compare, *compare.side_b.inputs,
            chat.chatbot, compare.a.chatbot, compare.b.chatbot, chat.conversation, compare.b.conversation, page.turn_log,
            compare.row, page.payload.column,
        ]
        self.link_outputs = [*page.setting_inputs, page.link_note, page.presenter.toggle]
        self.share_inputs = [page.presenter.toggle, *page.setting_inputs]

    def export(self, on, convo, convo_b, log, *values) -> str:
        inputs, inputs_b = self.page.split(values)
        return export_json(inputs, list(convo or []), list(log or []), compare=on, inputs_b=inputs_b, conversation_b=list(convo_b or []))

    def on_import(self, path: str | None, on: bool, shown, shown_a, presenting: bool = False, wire_shown: bool = False) -> dict[Any, Any]:
        page = self.page
        panel, chat, compare, side_b = page.panel, page.chat, page.compare, page.compare.side_b
        try:
            restored = read_export(read_upload(path), page.settings)
        except ImportProblem as problem:
            note = {"role": "assistant", "content": error_note(f"{problem} Nothing in this session was changed.")}
            return {compare.a.chatbot: [*display(shown_a), note]} if on else {chat.chatbot: [*display(shown), note]}
        shown_restored = list(restored.conversation)
        boxes = {"context": chat.context, "system_prompt": panel.system_prompt, "max_tokens": panel.max_tokens,
                 "temperature": panel.temperature, "top_p": panel.top_p, "stop": panel.stop, "route": panel.route}
        out: dict[Any, Any] = {
            panel.endpoint: restored.endpoint["kind"], panel.model: restored.endpoint["model"] or PRESETS[2],
            panel.api_base: restored.endpoint["api_base"],
            panel.token: "", side_b.token: "",  # a token is never restored: the person types it again
            **{box: restored.generation[name] for name, box in boxes.items() if name in restored.generation},
            panel.seed: str(restored.generation.get("seed", "")),
            compare.a.chatbot: shown_restored, chat.conversation: restored.conversation, page.turn_log: restored.turns,
            panel.compare: restored.compare is not None,
            # the presenter view keeps the wire folded away unless it was shown
            **page.compare_layout(restored.compare is not None, shown_restored, wire=wire_shown or not presenting),
        }
        if restored.compare is not None:
            side = restored.compare
            out.update({
                side_b.endpoint: side["endpoint"]["kind"], side_b.model: side["endpoint"]["model"] or PRESETS_B,
                side_b.api_base: side["endpoint"]["api_base"],
                compare.b.chatbot: list(side["conversation"]), compare.b.conversation: side["conversation"],
            })
        turns = len(restored.conversation) // 2
        gr.Info(f"Session loaded: {turns} turn{'s' * (turns != 1)}. Tokens are never saved: type yours again before sending or replaying.")
        return out

    def on_share(self, presenting: bool, *values) -> Any:
        return gr.update(value=setup_query(read_inputs(values), view="presenter" if presenting else "full"), visible=True)

    def on_link(self, request: gr.Request) -> dict[Any, Any]:
        """A shared link's settings, filled in as the page opens (notes for what was ignored)."""
        page = self.page
        shared = read_setup(dict(request.query_params) if request is not None else {})
        by_name = page.by_name
        out: dict[Any, Any] = {by_name[name]: value for name, value in shared.values.items() if name in by_name}
        if shared.values.get("view") == "presenter":
            out[page.presenter.toggle] = True  # its change event folds the page into the presenter view
        if shared.values.get("endpoint") in (PUBLIC, PRIVATE):
            out[page.panel.api_base] = gr.update(value=shared.values.get("api_base", ""), visible=True)
        out[page.link_note] = "\n".join(f"⚠️ {note}" for note in shared.notes)
        return out
