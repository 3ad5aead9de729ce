"""What Send, Retry, Replay, Stop, Clear and the compare checkbox do: a turn streamed into
one chat (and its payload view) or into both compare panes at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from .chat_pane import PaneTurn, TurnControl, TurnStop, display, stopped_text
from .compare import pane_title
from .page import Page
from .payload_view import CODE_CHOICES, NOTHING_RECEIVED, NOTHING_SENT, code_for, code_update
from .session import log_turns, turn_record
from .turn import InputProblem, TurnInputs, prepare_endpoint, run_side_by_side, run_turn, until_set
from .views import metrics_markdown, with_last_route
from .visitors import visitor_of

STOPPED_FIGURES = "**Stopped** by you: the partial reply stays in the chat and is not sent to the model as history."
STILL_RUNNING = "A reply is still coming: wait for it, or press Stop. What you typed stays in the box."


@dataclass
class Chats:
    """A session's chats as a turn starts: what each pane shows and what each side is sent."""

    shown: list[dict[str, Any]]
    shown_a: list[dict[str, Any]]
    shown_b: list[dict[str, Any]]
    convo: list[dict[str, Any]]
    convo_b: list[dict[str, Any]]
    log: list[dict[str, Any]]

    @classmethod
    def read(cls, shown, shown_a, shown_b, convo, convo_b, log) -> Chats:
        return cls(display(shown), display(shown_a), display(shown_b), list(convo or []), list(convo_b or []), list(log or []))


def last_user(shown: list[dict[str, Any]]) -> int | None:
    return next((i for i in range(len(shown) - 1, -1, -1) if shown[i]["role"] == "user"), None)


def without_turn(convo: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The history without its last turn if that turn was ``text`` (a retried turn leaves it)."""
    return convo[:-2] if len(convo) >= 2 and convo[-2] == {"role": "user", "content": text} else convo


class ChatEvents:
    """The turn handlers over the whole page. Every handler that may stop early yields ``{}``
    first: a Gradio generator that yields nothing empties every output (the chat too)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        chat, payload, compare, panel = page.chat, page.payload, page.compare, page.panel
        self.started = {chat.send: gr.update(interactive=False), chat.stop: gr.update(interactive=True), chat.busy: True}
        self.ended = {chat.send: gr.update(interactive=True), chat.stop: gr.update(interactive=False), chat.busy: False}
        self.inputs = [
            panel.compare, chat.busy, chat.control, chat.chatbot, compare.a.chatbot, compare.b.chatbot, chat.conversation,
            compare.b.conversation,
            page.turn_log, payload.code_choice, panel.task_base, *page.setting_inputs, *compare.side_b.inputs,
        ]
        self.outputs = [
            chat.message, chat.chatbot, compare.a.chatbot, compare.b.chatbot, chat.conversation, compare.b.conversation, payload.last_turn,
            page.turn_log, payload.code, panel.task_info, chat.send, chat.stop, chat.busy,
            payload.metrics, payload.request, payload.response, compare.a.metrics, compare.a.request, compare.a.response,
            compare.b.metrics, compare.b.request, compare.b.response,
        ]
        self.compare_inputs = [panel.compare, chat.chatbot, compare.a.chatbot, chat.conversation, page.presenter.toggle, page.presenter.wire_shown]
        self.compare_outputs = [chat.chatbot, compare.row, payload.column, compare.a.chatbot, compare.b.chatbot, compare.b.conversation]

    async def stream_turn(
        self, text: str, chats: Chats, on: bool, choice: str, inputs: TurnInputs, inputs_b: TurnInputs, stop: TurnStop,
        base: str = "", *, clear_box: bool = True,
    ) -> AsyncIterator[dict[Any, Any]]:
        """One message to one endpoint, or to both sides at once in compare mode: yields
        {component: value} for what changed, and leaves ``chats`` as the turn ended them.
        Once ``stop`` is set the streams are closed and each reply still coming is marked (or,
        for Clear, every chat emptied)."""
        page = self.page
        if on:
            sides = {"a": (PaneTurn(page.compare.a, text, chats.shown_a, chats.convo), inputs),
                     "b": (PaneTurn(page.compare.b, text, chats.shown_b, chats.convo_b), inputs_b)}
        else:
            sides = {"single": (PaneTurn(page.single, text, chats.shown, chats.convo), inputs)}
        running = run_side_by_side(**{name: run_turn(turn.convo, text, side_inputs, page.settings) for name, (turn, side_inputs) in sides.items()})
        cleared = not clear_box
        titled: set[str] = set()
        finished: set[str] = set()
        async for name, update in until_set(stop, running):
            turn, side_inputs = sides[name]
            out, fresh = turn.render(update)
            if on and name not in titled:  # each pane says what it talks to
                out[turn.pane.chatbot] = gr.update(value=out[turn.pane.chatbot], label=pane_title(name, side_inputs))
                titled.add(name)
            if not on:  # the code view shows the one chat's call
                last = {"call": update.call, "exchanges": update.exchanges}
                out[page.payload.last_turn] = last
                if fresh:
                    out[page.payload.code] = code_update(choice, last)
            if update.finished:
                finished.add(name)
                chats.log = log_turns(chats.log, turn_record(name if on else None, side_inputs, text, update))
                out[page.turn_log] = chats.log
                if name in ("single", "a") and base:  # the route this turn really took, beside what was expected
                    out[page.panel.task_info] = with_last_route(base, update.exchanges)
            if not cleared:  # emptied once, as the turn starts: what is typed while it streams stays
                out[page.chat.message] = ""
                cleared = True
            yield out
        if stop.is_set() and stop.clearing:
            yield self.on_clear_shown()
            return
        if stop.is_set() and len(finished) < len(sides):
            yield self.stopped(sides[name][0] for name in sides if name not in finished)
        if on:
            (turn_a, _), (turn_b, _) = sides["a"], sides["b"]
            chats.shown_a, chats.convo, chats.shown_b, chats.convo_b = turn_a.shown, turn_a.convo, turn_b.shown, turn_b.convo
        else:
            chats.shown, chats.convo = sides["single"][0].shown, sides["single"][0].convo

    async def controlled(self, updates: AsyncIterator[dict[Any, Any]]) -> AsyncIterator[dict[Any, Any]]:
        """Send waits and Stop wakes while a reply runs; both return to rest when it ends
        (or when Stop ends it: see TurnControl)."""
        first = True
        async for out in updates:
            yield {**out, **self.started} if first else out
            first = False
        if not first:
            yield self.ended

    def begin(self, request: gr.Request | None, oauth: gr.OAuthToken | None, is_busy: bool, control: TurnControl,
              chat_values: tuple[Any, ...], values: tuple[Any, ...]) -> tuple[TurnInputs, TurnInputs, Chats, TurnStop] | None:
        """What every turn handler starts with: None (and a warning) while a reply still runs,
        else both sides' inputs for this visitor, the session's chats and the turn's Stop."""
        if is_busy:
            gr.Warning(STILL_RUNNING)
            return None
        inputs, inputs_b = self.page.split(values, visitor_of(request, oauth))
        return inputs, inputs_b, Chats.read(*chat_values), control.start()

    async def on_send(self, request: gr.Request, oauth: gr.OAuthToken | None, text, on, is_busy, control, shown, shown_a, shown_b,
                      convo, convo_b, log, choice, base, *values):
        begun = self.begin(request, oauth, is_busy, control, (shown, shown_a, shown_b, convo, convo_b, log), values)
        if begun is None:
            yield {}
            return
        inputs, inputs_b, chats, stop = begun
        async for out in self.controlled(self.stream_turn(text, chats, on, choice, inputs, inputs_b, stop, base)):
            yield out

    async def on_retry(self, request: gr.Request, oauth: gr.OAuthToken | None, on, is_busy, control, shown, shown_a, shown_b,
                       convo, convo_b, log, choice, base, *values):
        begun = self.begin(request, oauth, is_busy, control, (shown, shown_a, shown_b, convo, convo_b, log), values)
        if begun is None:
            yield {}
            return
        inputs, inputs_b, chats, stop = begun
        main = chats.shown_a if on else chats.shown
        user_at = last_user(main)
        if user_at is None:
            gr.Warning("There is no message to retry yet.")
            yield {}
            return
        text = main[user_at]["content"]
        if on:
            chats.shown_a = main[:user_at]
            chats.shown_b = chats.shown_b[: last_user(chats.shown_b) or 0]
            chats.convo_b = without_turn(chats.convo_b, text)
        else:
            chats.shown = main[:user_at]
        chats.convo = without_turn(chats.convo, text)
        async for out in self.controlled(self.stream_turn(text, chats, on, choice, inputs, inputs_b, stop, base, clear_box=False)):
            yield out

    async def on_replay(self, request: gr.Request, oauth: gr.OAuthToken | None, on, is_busy, control, shown, shown_a, shown_b,
                        convo, convo_b, log, choice, base, *values):
        """Send the conversation's user turns again, one by one, to the endpoints now chosen."""
        begun = self.begin(request, oauth, is_busy, control, (shown, shown_a, shown_b, convo, convo_b, log), values)
        if begun is None:
            yield {}
            return
        inputs, inputs_b, chats, stop = begun
        texts = [m["content"] for m in chats.convo if m["role"] == "user"]
        if not texts:
            gr.Warning("There is nothing to replay yet: send messages or import a session first.")
            yield {}
            return
        for side_inputs in (inputs, inputs_b) if on else (inputs,):
            try:  # a replay that cannot be sent must not replace the answers with errors
                await prepare_endpoint(side_inputs, self.page.settings)
            except InputProblem as problem:
                gr.Warning(f"Replay cannot start: {problem} Nothing was changed.")
                yield {}
                return

        async def every_turn():
            chats.shown, chats.shown_a, chats.shown_b, chats.convo, chats.convo_b = [], [], [], [], []
            for text in texts:
                if stop.is_set():
                    return
                async for out in self.stream_turn(text, chats, on, choice, inputs, inputs_b, stop, base, clear_box=False):
                    yield out

        async for out in self.controlled(every_turn()):
            yield out

    def stopped(self, turns: Iterable[PaneTurn]) -> dict[Any, Any]:
        """Stop ends the turn where a person sees it: each partial reply is marked and the
        figures say so (the turn's last update; Send comes back with the next)."""
        out: dict[Any, Any] = {}
        for turn in turns:
            if turn.shown and turn.shown[-1]["role"] == "assistant":
                turn.shown[-1] = {"role": "assistant", "content": stopped_text(turn.shown[-1]["content"])}
            out[turn.pane.chatbot] = turn.shown
            out[turn.pane.metrics] = STOPPED_FIGURES
        return out

    def on_stop(self, control: TurnControl) -> dict[Any, Any]:
        """Tells the running turn to stop (it marks its replies itself: see TurnControl)."""
        control.stop()
        return {self.page.chat.stop: gr.update(interactive=False)}

    def on_clear(self, control: TurnControl) -> dict[Any, Any]:
        """Clear empties every chat; a turn still running is told to stop and empties them
        again as its last update (see TurnControl)."""
        control.stop(clearing=True)
        return self.on_clear_shown()

    def on_clear_shown(self) -> dict[Any, Any]:
        page = self.page
        empty: dict[Any, Any] = {page.chat.chatbot: [], page.compare.a.chatbot: [], page.compare.b.chatbot: [], page.chat.conversation: [],
                                 page.compare.b.conversation: [], page.payload.last_turn: None, page.turn_log: []}
        for pane in (page.single, page.compare.a, page.compare.b):
            empty.update({pane.request: NOTHING_SENT, pane.response: NOTHING_RECEIVED, pane.metrics: metrics_markdown(None)})
        return {**empty, page.payload.code: code_for(CODE_CHOICES[0], None)[0], **self.ended}

    def on_compare(self, on: bool, shown, shown_a, convo, presenting: bool, wire_shown: bool) -> dict[Any, Any]:
        """Both panes start from the conversation so far; leaving compare keeps side A's (and
        the wire stays folded away in the presenter view)."""
        page = self.page
        if on:
            return {**page.compare_layout(True), page.compare.a.chatbot: display(shown), page.compare.b.chatbot: display(shown),
                    page.compare.b.conversation: list(convo or [])}
        return page.compare_layout(False, display(shown_a), wire=wire_shown or not presenting)
