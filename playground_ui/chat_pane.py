"""The chat pane: the chat, the context box of a question-answering model, the message
box with its buttons and the examples; and how one streaming turn shows in a pane."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import gradio as gr

from playground._prompt import content_text

from .turn import VIEW_INTERVAL, TurnUpdate
from .views import metrics_markdown, request_text, response_text

STOPPED = "■ Stopped: this partial reply is not sent to the model as history."
PROGRESS = {"waiting": "Sending…", "loading": "Waiting for the model to load…", "streaming": "Streaming…"}
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

T = TypeVar("T")


def examples_for(route: str | None) -> list[str]:
    """Example prompts that fit the route the model is reached by (chat: the general ones)."""
    return TASK_EXAMPLES.get(route or "", EXAMPLES)


def display(history: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The chatbot's value as role/content messages with text content."""
    return [{"role": m["role"], "content": content_text(m.get("content"))} for m in history or []]


def error_note(sentence: str) -> str:
    """A sentence in the chat that is not the model's: its own red box, so nobody reads it as a
    reply. The blank lines keep it Markdown inside the box (its links stay links)."""
    return f'<div class="turn-error" role="alert">\n\n⚠️ {sentence}\n\n</div>'


def assistant_text(update: TurnUpdate) -> str:
    if update.error and update.reply:
        return f"{update.reply}\n\n{error_note(update.error)}"
    if update.error:
        return error_note(update.error)
    score = update.figures.score if update.figures else None
    if score is not None and update.reply:  # how sure a question-answering model is (not sent as history)
        return f"{update.reply}\n\n*score {score:.2f}*"
    return update.reply or ("…" if not update.finished else "(the model returned no text)")


def stopped_text(content: str) -> str:
    """A partial reply as Stop leaves it: marked (amber), so nobody takes it for a whole answer."""
    return content.rstrip("…").rstrip() + f'\n\n<div class="turn-stopped">\n\n{STOPPED}\n\n</div>'



class TurnStop(asyncio.Event):
    """Set by Stop or Clear while a turn runs; ``clearing`` says which."""

    clearing = False


class TurnControl:
    """A session's Stop and Clear. The running turn watches its own event and, once either
    sets it, closes its HTTP streams and shows the end itself (the partial replies marked,
    or every chat emptied): every update of a turn reaches the browser through that turn's
    one stream, so no update of the stopped stream can arrive after its end (cancelling the
    handler from another event could let one through)."""

    def __init__(self) -> None:
        self.event: TurnStop | None = None

    def start(self) -> TurnStop:
        """A new turn starts: a Stop pressed for an earlier one does not stop it."""
        self.event = TurnStop()
        return self.event

    def stop(self, *, clearing: bool = False) -> None:
        if self.event is not None:
            self.event.clearing = clearing
            self.event.set()


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
        self.status = ""  # of the last update the views were drawn for

    def render(self, update: TurnUpdate) -> tuple[dict[Any, Any], bool]:
        # The payload views grow with every event: render them twice a second while
        # streaming (and at the end), the chat with every update.
        now = time.monotonic()
        fresh = (update.finished or update.paused or update.status != self.status or update.status != "streaming"
                 or now - self.views_at >= VIEW_INTERVAL)
        # A refused turn (nothing sent) stays in the chat with its sentence, like a failed one;
        # neither joins the conversation sent to the model, and Retry sends it again.
        self.shown[-1] = {"role": "assistant", "content": assistant_text(update)}
        if update.succeeded:
            self.convo = [*self.convo, {"role": "user", "content": self.text}, {"role": "assistant", "content": update.reply}]
        out: dict[Any, Any] = {self.pane.chatbot: self.shown, self.pane.conversation: self.convo}
        if fresh:
            self.views_at, self.status = now, update.status
            started = update.exchanges or update.finished
            out[self.pane.request] = request_text(update.exchanges) if started else "Waiting for the endpoint…"
            out[self.pane.response] = response_text(update.exchanges) if started else "Waiting for the endpoint…"
            out[self.pane.metrics] = metrics_markdown(update.figures) if update.finished else PROGRESS.get(update.status, "Streaming…")
        return out, fresh


@dataclass(frozen=True)
class ChatPane:
    chatbot: Any
    context: Any
    message: Any
    send: Any
    stop: Any
    retry: Any
    clear: Any
    examples: Any
    conversation: Any  # gr.State: messages of successful turns, what the model is sent as history (side A in compare)
    busy: Any  # gr.State: a reply is streaming in this session
    control: Any  # gr.State: the session's TurnControl, what Stop tells the running turn


def build_chat_pane(between: Callable[[Any], T]) -> tuple[ChatPane, T]:
    """The chat, then what ``between`` builds given the chat's history state (the compare
    panes), then the context and message boxes, the buttons and the examples. Returns the
    pane and ``between``'s result."""
    conversation = gr.State([])
    busy = gr.State(False)
    control = gr.State(TurnControl())  # each session gets its own copy
    chatbot = gr.Chatbot(label="Chat", height=520, elem_id="chatbot", buttons=["copy", "copy_all"])
    middle = between(conversation)
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
        stop = gr.Button("Stop", variant="stop", elem_id="stop", scale=1, min_width=60, interactive=False)
        retry = gr.Button("Retry", elem_id="retry", scale=1, min_width=60)
        clear = gr.Button("Clear", elem_id="clear", scale=1, min_width=60)
    examples = gr.Examples(EXAMPLES, inputs=[message], label="Examples")
    return ChatPane(chatbot, context, message, send, stop, retry, clear, examples, conversation, busy, control), middle
