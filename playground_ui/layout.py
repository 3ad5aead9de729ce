"""The page: its parts assembled, and the events between them wired. Nothing else.

Each part is built by its own module (settings_panel, chat_pane, compare, payload_view,
session_bar) and its handlers live beside it (chat_events for the turns, session_bar for
export/import/share). Session state lives in ``gr.State`` (server side, per browser
session); nothing per visitor is kept in module globals.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from .api import chat_api
from .chat_events import ChatEvents
from .chat_pane import build_chat_pane
from .compare import build_compare_panes
from .my_endpoints import listing_token
from .page import Page
from .payload_view import build_payload_view, code_update
from .presenter import build_presenter, headline
from .session import MAX_FILE_BYTES
from .session_bar import DOWNLOAD_JS, LINK_JS, SessionBar, SessionEvents, build_session_bar
from .settings import AppSettings
from .settings_panel import KIND_CHOICES, PRESETS, build_settings_panel
from .styles import CSS

INTRO = (
    "# HF Endpoint Playground\n"
    "Chat with a model through Inference Providers or on your own Inference Endpoint, and see "
    "the exact HTTP request and response beside every reply."
)
# On a narrow screen the settings drawer starts folded: the chat and the message box come first.
PHONE_JS = """
() => {
  const drawer = document.querySelector("#settings");
  if (window.innerWidth <= 768 && drawer && drawer.classList.contains("open")) drawer.querySelector(".toggle-button")?.click();
}
"""
QUIET: dict[str, Any] = {"api_visibility": "private"}  # the page's own events are not part of the app's API
HIDDEN: dict[str, Any] = {**QUIET, "show_progress": "hidden"}


def build_app(settings: AppSettings) -> gr.Blocks:
    """The playground page. ``launch()`` it with ``launch_options(settings)``."""
    with gr.Blocks(title="HF Endpoint Playground") as demo:
        turn_log = gr.State([])
        # The settings in a drawer: open beside the chat on a wide screen, folded away on a
        # phone (PHONE_JS) and in the presenter view, so the chat comes first.
        with gr.Sidebar(label="Settings", open=True, width=360, elem_id="settings") as sidebar:
            gr.Markdown("## Settings", elem_id="settings-title")
            panel = build_settings_panel(settings)
        with gr.Row(equal_height=True, elem_id="header"):
            intro = gr.Markdown(INTRO, elem_id="intro")
            presenter = build_presenter()
            if settings.sign_in:  # a Space with hf_oauth: each visitor calls with their own account
                gr.LoginButton("Sign in with Hugging Face", elem_id="sign-in", scale=0, min_width=220)
        link_note = gr.Markdown("", elem_id="link-note")
        with gr.Row(equal_height=False):
            with gr.Column(scale=6, min_width=320, elem_id="chat-column"):
                chat, compare = build_chat_pane(lambda history: build_compare_panes(settings, history, KIND_CHOICES, PRESETS))
                session = build_session_bar()
            payload = build_payload_view(scale=5, min_width=320, elem_id="payload-column")
        page = Page(settings, panel, chat, payload, compare, presenter, sidebar, intro, turn_log, link_note)
        _wire(demo, page, session)
        gr.api(chat_api(settings), api_name="chat")
    demo.queue(default_concurrency_limit=settings.concurrency)
    return demo


def _wire(demo: gr.Blocks, page: Page, session: SessionBar) -> None:
    """The events: each names its handler, what it reads and what it changes."""
    panel, chat, payload, compare, side_b = page.panel, page.chat, page.payload, page.compare, page.compare.side_b
    turns, sessions = ChatEvents(page), SessionEvents(page)

    # A turn: Send, Enter, Retry, Replay; Stop and Clear end it (the chats' trash icons are Clear).
    # Neither cancels the turn's handler: they tell it, and it ends itself (see TurnControl).
    for start in (chat.send.click, chat.message.submit):
        start(turns.on_send, [chat.message, *turns.inputs], turns.outputs, **QUIET)
    chat.retry.click(turns.on_retry, turns.inputs, turns.outputs, **QUIET)
    session.replay.click(turns.on_replay, turns.inputs, turns.outputs, **QUIET)
    # The retry arrow under the last reply (an error's box above all) does what Retry does.
    for pane_chat in (chat.chatbot, compare.a.chatbot, compare.b.chatbot):
        pane_chat.retry(turns.on_retry, turns.inputs, turns.outputs, **QUIET)
    # An example sends itself once it fills the message box.
    chat.examples.load_input_event.then(turns.on_send, [chat.message, *turns.inputs], turns.outputs, **QUIET)
    chat.stop.click(turns.on_stop, [chat.control], [chat.stop], queue=False, **QUIET)
    for clear in (chat.clear.click, chat.chatbot.clear, compare.a.chatbot.clear, compare.b.chatbot.clear):
        clear(turns.on_clear, [chat.control], turns.outputs, queue=False, **QUIET)
    payload.code_choice.change(code_update, [payload.code_choice, payload.last_turn], [payload.code], **QUIET)
    # .input (the person's click), not .change: an import sets the box without resetting the panes.
    panel.compare.input(turns.on_compare, turns.compare_inputs, turns.compare_outputs, **QUIET)

    # The session row.
    session.export.click(sessions.export, sessions.export_inputs, [session.export_data], **QUIET).then(
        None, [session.export_data], [session.export_data], js=DOWNLOAD_JS, **QUIET,
    )
    session.import_button.upload(sessions.on_import, [session.import_button, *sessions.import_inputs], sessions.restore_outputs, **QUIET)
    session.share.click(sessions.on_share, sessions.share_inputs, [session.share_link], **QUIET).then(
        None, [session.share_link], [session.share_link], js=LINK_JS, **QUIET,
    )

    # The presenter view: a toggle (or a link's view=presenter), and the wire on demand.
    presenter = page.presenter
    presenter.toggle.change(page.on_view, page.view_inputs, page.view_outputs, **HIDDEN)
    presenter.show_wire.click(page.on_show_wire, [presenter.wire_shown, panel.compare], [presenter.wire_shown, presenter.show_wire, payload.column], **HIDDEN)
    for change in (panel.endpoint.change, panel.model.change, panel.api_base.change):
        change(headline, [panel.endpoint, panel.model, panel.api_base], [presenter.headline], **HIDDEN)
    demo.load(None, js=PHONE_JS, **QUIET)

    # The settings: what the endpoint kind shows, the person's endpoints, the check.
    panel.endpoint.change(panel.on_kind, [panel.endpoint], [panel.api_base, panel.token, panel.mine_group, panel.model], **QUIET)
    side_b.endpoint.change(side_b.on_kind, [side_b.endpoint], [side_b.api_base, side_b.token], **QUIET)
    panel.my_refresh.click(panel.on_list_mine, [panel.token], [panel.my_endpoints, panel.mine_status, panel.mine], **QUIET)
    panel.my_endpoints.input(panel.on_pick_mine, [panel.my_endpoints, panel.mine], [panel.endpoint, panel.api_base, panel.model, panel.mine_status], **QUIET)
    panel.doctor.click(panel.on_doctor, [panel.endpoint, panel.model, panel.api_base, panel.token, panel.route], [panel.doctor_report], **HIDDEN)
    # A report of other settings misleads: it goes when they change, cleared in the browser at
    # once (a round trip to the server could come back after the report of a check clicked right
    # after the change). The Model box clears it only when a person changes it: the page fills in
    # the model an endpoint serves when the box is empty, which can land after the check of that
    # very endpoint. (A Textbox's `.input` fires on key presses, not when a value is set at once,
    # as a browser test's fill does: the boxes a token or URL is pasted into keep `.change`.)
    for edit in (panel.endpoint.change, panel.model.input, panel.api_base.change, panel.token.change, panel.my_endpoints.input):
        edit(None, None, [panel.doctor_report], js="() => ''", **HIDDEN)

    # What serves the model: learnt when the target changes, and as the page opens.
    on_target, target_outputs = panel.target_handler(chat), panel.target_outputs(chat)
    for trigger in (panel.endpoint.change, panel.model.change, panel.api_base.blur, panel.api_base.submit, panel.token.blur):
        trigger(on_target, panel.target, target_outputs, **HIDDEN)
    demo.load(panel.on_load_models, None, [panel.model], **HIDDEN)
    if listing_token("", page.settings):  # the server's own token may list endpoints here (not a Space)
        demo.load(panel.on_list_mine, [panel.token], [panel.my_endpoints, panel.mine_status, panel.mine], **HIDDEN)
    # A shared link first, then what serves the model it names: one chain, so the task line matches the link.
    demo.load(sessions.on_link, None, sessions.link_outputs, **HIDDEN).then(on_target, panel.target, target_outputs, **HIDDEN)


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
