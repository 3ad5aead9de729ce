"""What a person sees after Retry, Replay, Stop and Clear, in one chat and in compare mode:
the page's own handlers, called as Gradio calls them (tests/pagecalls.py), against the
loopback fake Hugging Face. The page is built once for the module; each session's state is
what a test hands in."""

from __future__ import annotations

import json

import fakeoai
import pytest
from fakehf import Reply
from pagecalls import Call, PageCalls, fake_settings, page_calls_fixture, page_parts_fixture, request  # noqa: F401 (fixtures)

from playground_ui import build_app
from playground_ui.chat_events import STILL_RUNNING, STOPPED_FIGURES
from playground_ui.chat_pane import STOPPED, TurnControl
from playground_ui.payload_view import NOTHING_RECEIVED, NOTHING_SENT
from playground_ui.turn import DEFAULT, PUBLIC
from playground_ui.views import metrics_markdown

MODEL = "meta-llama/Llama-3.1-8B-Instruct"
TOKEN = "hf_fake_valid_user_token"  # the fake router knows it
REPLY = " Paris is the capital of France. It has museums, cafes and parks"  # what the fake answers, every time
ROUTER_CHAT = "/v1/chat/completions"
PLACEHOLDER = "# Send a message: the same call appears here as code."


def user(text: str) -> dict[str, str]:
    return {"role": "user", "content": text}


def bot(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def marked(partial: str) -> str:
    """A reply as Stop leaves it."""
    return f'{partial}\n\n<div class="turn-stopped">\n\n{STOPPED}\n\n</div>'


def to_router(ui, *more: dict) -> dict:
    """The settings of side A (and of the one chat): a chat model on Inference Providers with
    a token; then ``more`` inputs (the chats, side B's settings...)."""
    given = {ui.panel.endpoint: DEFAULT, ui.panel.model: MODEL, ui.panel.token: TOKEN}
    for part in more:
        given.update(part)
    return given


def side_b_to(ui, fake, model="tgi", url=None):
    """Side B: the fake's vLLM endpoint, a public URL."""
    b = ui.compare.side_b
    return {b.endpoint: PUBLIC, b.model: model, b.api_base: fake.endpoint_url("vllm-chat") if url is None else url, b.token: ""}


def sent(fake, path=ROUTER_CHAT) -> list[list[dict[str, str]]]:
    """The messages of each chat request that reached ``path``."""
    return [s.body["messages"] for s in fake.seen(path) if s.method == "POST"]


def assert_turn_ran(call: Call, ui) -> None:
    """Send waits and Stop wakes while the reply streams; both back at rest at the end."""
    first, last = call.outputs[0], call.outputs[-1]
    assert first[ui.chat.send]["interactive"] is False and first[ui.chat.stop]["interactive"] is True and first[ui.chat.busy] is True
    assert last[ui.chat.send]["interactive"] is True and last[ui.chat.stop]["interactive"] is False and last[ui.chat.busy] is False


def assert_nothing_changed(call: Call, fake) -> None:
    assert call.outputs == [{}]  # nothing changes on the page (yielding nothing at all would empty every output)
    assert fake.seen(ROUTER_CHAT) == []


# --- Send ------------------------------------------------------------------------------------


def send(app, ui, given: dict) -> Call:
    """A question to a chat model on Inference Providers, with a token; ``given``: more inputs."""
    return app.call("on_send", to_router(ui, {ui.chat.message: "What is the capital of France?"}, given))


def test_send_while_a_reply_still_streams_waits_for_it_and_sends_nothing(app, ui, fake):
    call = send(app, ui, {ui.chat.busy: True})
    assert call.warnings == [STILL_RUNNING]
    assert_nothing_changed(call, fake)


def test_send_empties_the_message_box_once_as_the_turn_starts_so_what_is_typed_meanwhile_stays(app, ui, fake):
    call = send(app, ui, {})
    assert call.updates(ui.chat.message) == [""]  # later updates leave the box to the person
    assert ui.chat.message in call.outputs[0]
    assert call.final(ui.chat.chatbot)[-1] == bot(REPLY)


def test_a_message_sent_before_the_first_look_up_ends_leaves_the_task_line_to_it(app, ui, fake):
    call = send(app, ui, {})  # the page as it opens: no task line learnt yet
    assert call.final(ui.chat.chatbot)[-1] == bot(REPLY)
    assert not call.touched(ui.panel.task_info)


def test_send_shows_the_sent_call_in_the_code_language_chosen_and_the_route_taken(app, ui, fake):
    call = send(app, ui, {ui.payload.code_choice: "curl", ui.panel.task_base: "Chat model on Inference Providers"})
    code = call.final(ui.payload.code)
    assert code.startswith("curl ") and f"{fake.router_url}{ROUTER_CHAT}" in code
    assert call.final(ui.panel.task_info) == "Chat model on Inference Providers · last turn: chat"


# --- Retry -----------------------------------------------------------------------------------


def test_retry_asks_the_last_message_again_with_the_history_before_it_and_replaces_only_its_reply(app, ui, fake):
    chat = [user("One?"), bot("First."), user("Two?"), bot("Second."), user("Three?"), bot("An old third reply.")]
    call = app.call("on_retry", to_router(ui, {
        ui.chat.chatbot: chat, ui.chat.conversation: list(chat), ui.chat.message: "typed meanwhile",
        ui.payload.code_choice: "curl", ui.panel.task_base: "Task: chat",
    }))
    assert call.warnings == []
    assert sent(fake) == [[user("One?"), bot("First."), user("Two?"), bot("Second."), user("Three?")]]
    assert call.final(ui.chat.chatbot) == [*chat[:4], user("Three?"), bot(REPLY)]
    assert call.final(ui.chat.conversation) == [*chat[:4], user("Three?"), bot(REPLY)]  # what the next turn is sent
    assert not call.touched(ui.chat.message)  # what the person is typing stays in the box
    code = call.updates(ui.payload.code)[-1]
    assert code["language"] == "shell" and code["value"].startswith("curl")  # the code view in the language chosen
    assert call.final(ui.panel.task_info) == "Task: chat · last turn: chat"
    assert REPLY.strip() in call.final(ui.payload.response) and "Three?" in call.final(ui.payload.request)
    assert_turn_ran(call, ui)


def test_a_finished_turn_is_added_to_the_sessions_log_after_the_turns_before_it(app, ui, fake):
    earlier = {"side": None, "user": "Earlier?", "reply": "Yes.", "exchanges": []}
    chat = [user("Again?"), bot("Old.")]
    call = app.call("on_retry", to_router(ui, {ui.chat.chatbot: chat, ui.chat.conversation: list(chat), ui.turn_log: [earlier]}))
    log = call.final(ui.turn_log)
    assert log[0] == earlier and len(log) == 2  # what Export writes: every turn, in order
    assert (log[1]["side"], log[1]["user"], log[1]["reply"], log[1]["route"]) == (None, "Again?", REPLY, "chat")
    assert log[1]["endpoint"] == {"kind": DEFAULT, "model": MODEL, "api_base": ""} and log[1]["exchanges"]
    shown = call.final(ui.payload.last_turn)  # what the code view writes its code from
    assert shown["call"].route == "chat" and shown["exchanges"][-1].url.endswith("/v1/chat/completions")


def test_a_compared_turn_logs_each_side_under_its_name(app, ui, fake):
    a_chat, b_chat = [user("One?"), bot("A.")], [user("One?"), bot("B.")]
    call = app.call("on_retry", to_router(ui, side_b_to(ui, fake), compare_chats(ui, a_chat, b_chat)))
    log = call.final(ui.turn_log)
    assert sorted((record["side"], record["user"]) for record in log) == [("a", "One?"), ("b", "One?")]
    assert {record["side"]: record["endpoint"]["kind"] for record in log} == {"a": DEFAULT, "b": PUBLIC}


def test_retry_of_the_only_turn_sends_it_alone(app, ui, fake):
    chat = [user("Hi"), bot("An old reply.")]
    call = app.call("on_retry", to_router(ui, {ui.chat.chatbot: chat, ui.chat.conversation: list(chat)}))
    assert sent(fake) == [[user("Hi")]]
    assert call.final(ui.chat.chatbot) == [user("Hi"), bot(REPLY)]
    assert call.final(ui.chat.conversation) == [user("Hi"), bot(REPLY)]


def test_retry_of_a_failed_turn_keeps_the_turns_before_it_in_the_history(app, ui, fake):
    """A failed turn is in the chat but was never part of the conversation sent to the model."""
    chat = [user("One?"), bot("First."), user("Two?"), bot("⚠️ The endpoint failed.")]
    call = app.call("on_retry", to_router(ui, {ui.chat.chatbot: chat, ui.chat.conversation: chat[:2]}))
    assert sent(fake) == [[user("One?"), bot("First."), user("Two?")]]
    assert call.final(ui.chat.chatbot) == [user("One?"), bot("First."), user("Two?"), bot(REPLY)]
    assert call.final(ui.chat.conversation) == [user("One?"), bot("First."), user("Two?"), bot(REPLY)]


def test_retry_sends_the_last_message_again_even_when_no_reply_follows_it(app, ui, fake):
    chat = [user("One?"), bot("First."), user("Two?")]
    call = app.call("on_retry", to_router(ui, {ui.chat.chatbot: chat, ui.chat.conversation: chat[:2]}))
    assert sent(fake) == [[user("One?"), bot("First."), user("Two?")]]
    assert call.final(ui.chat.chatbot) == [user("One?"), bot("First."), user("Two?"), bot(REPLY)]


@pytest.mark.parametrize("chat", [[], [bot("Welcome!")]], ids=["empty chat", "no message of the person"])
def test_retry_with_no_message_to_send_again_says_so_and_changes_nothing(app, ui, fake, chat):
    call = app.call("on_retry", to_router(ui, {ui.chat.chatbot: chat}))
    assert call.warnings == ["There is no message to retry yet."]
    assert_nothing_changed(call, fake)


@pytest.mark.parametrize("handler", ["on_retry", "on_replay"])
def test_retry_or_replay_while_a_reply_still_streams_waits_for_it(app, ui, fake, handler):
    chat = [user("Hi"), bot("A reply.")]
    call = app.call(handler, to_router(ui, {ui.chat.chatbot: chat, ui.chat.conversation: chat, ui.chat.busy: True}))
    assert call.warnings == [STILL_RUNNING]
    assert_nothing_changed(call, fake)


def compare_chats(ui, a_chat, b_chat, *, a_convo=None, b_convo=None, single=None):
    return {
        ui.panel.compare: True, ui.chat.chatbot: [] if single is None else single,
        ui.compare.a.chatbot: a_chat, ui.compare.b.chatbot: b_chat,
        ui.chat.conversation: list(a_chat) if a_convo is None else a_convo, ui.compare.b.conversation: list(b_chat) if b_convo is None else b_convo,
    }


def test_retry_in_compare_mode_asks_both_sides_again_each_with_its_own_history(app, ui, fake):
    a_chat = [user("One?"), bot("A first."), user("Two?"), bot("A second.")]
    b_chat = [user("One?"), bot("B first."), user("Two?"), bot("B second.")]
    call = app.call("on_retry", to_router(ui, side_b_to(ui, fake), compare_chats(ui, a_chat, b_chat, single=[user("stale")]),
                                          {ui.chat.message: "typed meanwhile"}))
    assert sent(fake) == [[user("One?"), bot("A first."), user("Two?")]]
    assert sent(fake, "/endpoints/vllm-chat/v1/chat/completions") == [[user("One?"), bot("B first."), user("Two?")]]
    a_final, b_final = call.final(ui.compare.a.chatbot), call.final(ui.compare.b.chatbot)
    assert a_final == [*a_chat[:3], bot(REPLY)]
    assert b_final[:3] == b_chat[:3] and len(b_final) == 4 and b_final[3]["content"].strip()
    assert call.final(ui.compare.b.conversation) == b_final  # B's next turn is sent B's own replies
    assert call.final(ui.chat.conversation) == a_final
    assert not call.touched(ui.chat.chatbot) and not call.touched(ui.chat.message)
    titles = [u["label"] for u in call.updates(ui.compare.a.chatbot) if isinstance(u, dict)]
    assert titles == [f"Side A · {MODEL} · Inference Providers"]
    host = fake.url.split("://")[1]
    assert [u["label"] for u in call.updates(ui.compare.b.chatbot) if isinstance(u, dict)] == [f"Side B · tgi · {host}"]
    assert_turn_ran(call, ui)


def test_retry_in_compare_mode_of_the_first_turn_leaves_no_trace_of_the_old_replies(app, ui, fake):
    a_chat, b_chat = [user("Hi"), bot("A old.")], [user("Hi"), bot("B old.")]
    call = app.call("on_retry", to_router(ui, side_b_to(ui, fake), compare_chats(ui, a_chat, b_chat)))
    b_final = call.final(ui.compare.b.chatbot)
    assert call.final(ui.compare.a.chatbot) == [user("Hi"), bot(REPLY)]
    assert len(b_final) == 2 and b_final[0] == user("Hi") and b_final[1]["content"] != "B old."
    assert sent(fake, "/endpoints/vllm-chat/v1/chat/completions") == [[user("Hi")]]


def test_retry_in_compare_mode_when_side_b_has_no_message_yet_starts_its_chat(app, ui, fake):
    """Side B's chat can be empty (an import that had no side B): its retried turn is its first."""
    a_chat = [user("Hi"), bot("A old.")]
    call = app.call("on_retry", to_router(ui, side_b_to(ui, fake), compare_chats(ui, a_chat, [bot("Welcome!")], b_convo=[])))
    b_final = call.final(ui.compare.b.chatbot)
    assert [m["role"] for m in b_final] == ["user", "assistant"] and b_final[0] == user("Hi")


# --- Replay -----------------------------------------------------------------------------------


def test_replay_sends_each_message_again_one_by_one_to_the_endpoint_now_chosen(app, ui, fake):
    chat = [user("One?"), bot("An old first."), user("Two?"), bot("⚠️ It failed.")]
    call = app.call("on_replay", to_router(ui, {
        ui.chat.chatbot: chat, ui.chat.conversation: [user("One?"), bot("An old first."), user("Two?"), bot("An old second.")],
        ui.chat.message: "typed meanwhile", ui.payload.code_choice: "curl", ui.panel.task_base: "Task: chat",
    }))
    assert call.warnings == []
    assert sent(fake) == [[user("One?")], [user("One?"), bot(REPLY), user("Two?")]]  # each turn with the new replies before it
    assert call.final(ui.chat.chatbot) == [user("One?"), bot(REPLY), user("Two?"), bot(REPLY)]
    assert call.final(ui.chat.conversation) == [user("One?"), bot(REPLY), user("Two?"), bot(REPLY)]
    assert not call.touched(ui.chat.message)
    assert call.updates(ui.payload.code)[-1]["language"] == "shell"
    assert call.final(ui.panel.task_info) == "Task: chat · last turn: chat"
    assert_turn_ran(call, ui)
    assert [out[ui.chat.busy] for out in call.outputs if ui.chat.busy in out] == [True, False]  # one run, not one per turn


def test_replay_with_nothing_sent_yet_says_so_and_changes_nothing(app, ui, fake):
    call = app.call("on_replay", to_router(ui, {ui.chat.chatbot: [user("Hi"), bot("⚠️ It failed.")], ui.chat.conversation: []}))
    assert call.warnings == ["There is nothing to replay yet: send messages or import a session first."]
    assert_nothing_changed(call, fake)


def test_replay_that_cannot_be_sent_keeps_the_answers_and_says_what_to_fix(app, ui, fake):
    chat = [user("Hi"), bot("A reply worth keeping.")]
    call = app.call("on_replay", to_router(ui, {ui.chat.chatbot: chat, ui.chat.conversation: chat, ui.panel.model: " "}))
    assert call.warnings == ["Replay cannot start: Choose a model first: pick one of the presets or type a model id such as gpt2. Nothing was changed."]
    assert_nothing_changed(call, fake)


def test_replay_in_compare_mode_does_not_start_while_side_b_lacks_its_url(app, ui, fake):
    chat = [user("Hi"), bot("A reply worth keeping.")]
    call = app.call("on_replay", to_router(ui, side_b_to(ui, fake, url="  "), compare_chats(ui, chat, chat)))
    assert call.warnings == [
        "Replay cannot start: Paste the endpoint's URL in the API base URL box (it looks like https://xyz.endpoints.huggingface.cloud). "
        "Nothing was changed."
    ]
    assert_nothing_changed(call, fake)


def test_replay_in_one_chat_ignores_side_bs_unfinished_settings(app, ui, fake):
    chat = [user("Hi"), bot("An old reply.")]
    call = app.call("on_replay", to_router(ui, side_b_to(ui, fake, url=""), {ui.chat.chatbot: chat, ui.chat.conversation: chat}))
    assert call.warnings == []
    assert call.final(ui.chat.chatbot) == [user("Hi"), bot(REPLY)]


def test_replay_in_compare_mode_fills_both_panes_again(app, ui, fake):
    a_chat = [user("One?"), bot("A old."), user("Two?"), bot("A old 2.")]
    b_chat = [user("One?"), bot("B old."), user("Two?"), bot("B old 2.")]
    call = app.call("on_replay", to_router(ui, side_b_to(ui, fake), compare_chats(ui, a_chat, b_chat)))
    assert call.final(ui.compare.a.chatbot) == [user("One?"), bot(REPLY), user("Two?"), bot(REPLY)]
    b_final = call.final(ui.compare.b.chatbot)
    assert [m["content"] for m in b_final[::2]] == ["One?", "Two?"] and "B old." not in str(b_final)
    b_sent = sent(fake, "/endpoints/vllm-chat/v1/chat/completions")
    assert b_sent == [[user("One?")], [user("One?"), b_final[1], user("Two?")]]
    assert call.final(ui.compare.b.conversation) == b_final
    assert not call.touched(ui.chat.message)


def test_stop_during_a_replay_sends_no_further_message(app, ui, fake):
    chat = [user("One?"), bot("Old."), user("Two?"), bot("Old 2.")]
    control = TurnControl()

    def press_stop(index, out):
        if index == 0:
            app.call("on_stop", {ui.chat.control: control})

    call = app.call("on_replay", to_router(ui, {ui.chat.chatbot: chat, ui.chat.conversation: chat, ui.chat.control: control}),
                    during=press_stop)
    assert call.final(ui.chat.chatbot) == [user("One?"), bot(marked(""))]
    assert "Two?" not in str(sent(fake))


# --- Stop and Clear -----------------------------------------------------------------------------


def send_and_press(app, ui, press: str, chat, *given: dict, when=lambda out, chatbot: True) -> Call:
    """Send "Next?" after ``chat`` and press ``press`` (on_stop or on_clear) at the first
    update for which ``when`` holds."""
    control = TurnControl()
    pressed = []

    def during(index, out):
        if not pressed and when(out, ui.chat.chatbot):
            pressed.append(app.call(press, {ui.chat.control: control}))

    call = app.call("on_send", to_router(ui, {ui.chat.message: "Next?", ui.chat.chatbot: chat, ui.chat.conversation: chat,
                                                  ui.chat.control: control}, *given), during=during)
    assert pressed
    return call


def partial(out, chatbot) -> bool:
    return chatbot in out and out[chatbot][-1]["content"] not in ("…", REPLY)


def test_stop_keeps_the_partial_reply_marked_and_the_figures_say_so(app, ui, fake):
    history = [user("One?"), bot("First.")]
    call = send_and_press(app, ui, "on_stop", history, when=partial)
    shown = call.final(ui.chat.chatbot)
    assert shown == [*history, user("Next?"), bot(marked(" Paris"))]  # the text as it came (an indented line stays code)
    assert call.final(ui.payload.metrics) == STOPPED_FIGURES
    assert call.final(ui.chat.conversation) == history  # a partial reply is not sent as history
    assert_turn_ran(call, ui)


@pytest.mark.parametrize("history", [[], [user("Unanswered?")]], ids=["first turn", "after a message with no reply"])
def test_stop_before_any_text_came_leaves_only_the_mark(app, ui, fake, history):
    call = send_and_press(app, ui, "on_stop", history)
    assert call.final(ui.chat.chatbot) == [*history, user("Next?"), bot(marked(""))]  # no "…" left waiting for more
    assert call.final(ui.payload.metrics) == STOPPED_FIGURES


def test_stop_keeps_the_partial_reply_to_its_last_letter(app, ui, fake):
    events = fakeoai.chat_events(flavor="router", model=MODEL, tokens=["…and the letter is X", " and more."], finish="stop",
                                 usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}, call=None, include_usage=True)
    stream = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"
    fake.script(ROUTER_CHAT, Reply(200, stream, "text/event-stream"))
    call = send_and_press(app, ui, "on_stop", [], when=partial)
    assert call.final(ui.chat.chatbot) == [user("Next?"), bot(marked("…and the letter is X"))]


def test_stop_in_compare_mode_marks_both_sides(app, ui, fake):
    history = [user("One?"), bot("First.")]
    call = send_and_press(app, ui, "on_stop", history, side_b_to(ui, fake), compare_chats(ui, history, history))
    for pane in (ui.compare.a, ui.compare.b):
        assert call.final(pane.chatbot) == [*history, user("Next?"), bot(marked(""))]
        assert call.final(pane.metrics) == STOPPED_FIGURES


def test_stop_in_compare_mode_after_one_side_finished_marks_only_the_other(app, ui, fake):
    events = fakeoai.chat_events(flavor="router", model=MODEL, tokens=["Done."], finish="stop",
                                 usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}, call=None, include_usage=True)
    fake.script(ROUTER_CHAT, Reply(200, "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n", "text/event-stream"))
    fake.token_delay = 0.2  # side B streams slowly; side A's reply comes whole

    def a_finished(out, chatbot):  # side A's figures show its finished turn
        return str(out.get(ui.compare.a.metrics, "")).startswith("**route**")

    history = [user("One?"), bot("First.")]
    call = send_and_press(app, ui, "on_stop", history, side_b_to(ui, fake), compare_chats(ui, history, history), when=a_finished)
    assert call.final(ui.compare.a.chatbot) == [*history, user("Next?"), bot("Done.")]
    assert call.final(ui.compare.a.metrics) != STOPPED_FIGURES
    assert call.final(ui.compare.b.chatbot)[-1]["content"].endswith(marked(""))
    assert call.final(ui.compare.b.metrics) == STOPPED_FIGURES


def test_in_compare_mode_the_route_taken_is_side_as(app, ui, fake):
    base = {ui.panel.task_base: "Chat model on Inference Providers"}
    call = app.call("on_send", to_router(ui, {ui.chat.message: "Hi?"}, side_b_to(ui, fake, model="meta-llama/Llama-2-7b-hf", url=fake.endpoint_url("public-base")),
                                         compare_chats(ui, [], []), base))
    assert call.updates(ui.panel.task_info) == ["Chat model on Inference Providers · last turn: chat"]


def test_pressing_stop_greys_it_out_even_with_no_reply_running(app, ui):
    call = app.call("on_stop", {ui.chat.control: TurnControl()})
    assert call.outputs == [{ui.chat.stop: {"__type__": "update", "interactive": False}}]


def assert_all_empty(out, ui) -> None:
    for chatbot in (ui.chat.chatbot, ui.compare.a.chatbot, ui.compare.b.chatbot):
        assert out[chatbot] == []
    assert out[ui.chat.conversation] == [] and out[ui.compare.b.conversation] == [] and out[ui.turn_log] == []
    assert out[ui.payload.last_turn] is None
    for pane in (ui.single, ui.compare.a, ui.compare.b):
        assert (out[pane.request], out[pane.response], out[pane.metrics]) == (NOTHING_SENT, NOTHING_RECEIVED, metrics_markdown(None))
    assert out[ui.payload.code] == PLACEHOLDER
    assert out[ui.chat.send]["interactive"] is True and out[ui.chat.stop]["interactive"] is False and out[ui.chat.busy] is False


def test_clear_empties_every_chat_view_and_figure(app, ui):
    call = app.call("on_clear", {ui.chat.control: TurnControl()})
    assert_all_empty(call.outputs[0], ui)


def test_clear_while_a_reply_streams_ends_it_with_every_chat_empty(app, ui, fake):
    history = [user("One?"), bot("First.")]
    call = send_and_press(app, ui, "on_clear", history, when=partial)
    assert_all_empty(call.outputs[-2], ui)  # the turn's last update (then Send comes back)
    assert "Stopped" not in str(call.outputs[-2:])


# --- On a public Space: who pays for a Retry or a Replay -----------------------------------------

OWNER = "hf_ownerCanaryR4t7Yu2Io9Pk"  # the Space owner's token (the fake router does not know it)


@pytest.fixture(scope="module")
def space(fake_server) -> PageCalls:
    """The page on a Space whose owner pays for one turn an hour per visitor (no LoginButton in
    this process: Gradio's local OAuth mock would call huggingface.co; the sign-in comes with the request)."""
    return PageCalls(build_app(fake_settings(
        fake_server, SYSTEM="", SPACE_ID="someone/playground", OAUTH_CLIENT_ID="local-client", HF_TOKEN=OWNER,
        PLAYGROUND_VISITORS_USE_SERVER_TOKEN="1", PLAYGROUND_VISITOR_TURNS_PER_HOUR="1",
    )))


@pytest.fixture
def owners_token_may_go(fake, monkeypatch):
    """The owner's token goes only to Hugging Face's own hosts: here the fake stands for them."""
    from playground_ui import turn as turn_module

    monkeypatch.setattr(turn_module, "is_huggingface_url", lambda url, hosts=(): url.startswith(fake.url))


def bearers(fake) -> list[str]:
    return [s.headers.get("authorization", "") for s in fake.seen(ROUTER_CHAT)]


def test_a_signed_in_visitors_retry_and_replay_go_with_their_own_account(space, fake):
    ui = space.block_fn("on_retry").fn.__self__.page
    chat = [user("Hi"), bot("An old reply.")]
    given = {ui.panel.endpoint: DEFAULT, ui.panel.model: MODEL, ui.chat.chatbot: chat, ui.chat.conversation: chat}
    for name in ("on_retry", "on_replay"):
        call = space.call(name, given, req=request("93.184.216.34", token=TOKEN))
        assert call.final(ui.chat.chatbot) == [user("Hi"), bot(REPLY)]
    assert bearers(fake) == [f"Bearer {TOKEN}"] * 2


def test_each_visitor_has_their_own_turns_of_the_hour_on_the_owners_account(space, fake, owners_token_may_go):
    ui = space.block_fn("on_retry").fn.__self__.page
    settings = {ui.panel.endpoint: DEFAULT, ui.panel.model: MODEL, ui.chat.message: "Hi"}
    first, second = request("93.184.216.37"), request("93.184.216.38")
    space.call("on_send", settings, req=first)
    assert "turn an hour" in space.call("on_send", settings, req=first).final(ui.chat.chatbot)[-1]["content"]
    space.call("on_send", settings, req=second)  # another visitor: their own hour, sent on the owner's account
    assert bearers(fake) == [f"Bearer {OWNER}"] * 2


def test_a_visitor_who_used_their_turn_of_the_hour_on_the_owners_account_is_refused_retry_and_replay_too(space, fake, owners_token_may_go):
    ui = space.block_fn("on_retry").fn.__self__.page
    settings = {ui.panel.endpoint: DEFAULT, ui.panel.model: MODEL}
    visitor = request("93.184.216.35")
    space.call("on_send", {**settings, ui.chat.message: "Hi"}, req=visitor)  # the hour's one turn, on the owner's account
    assert bearers(fake) == [f"Bearer {OWNER}"]
    chat = [user("Hi"), bot("A reply.")]
    for name in ("on_retry", "on_replay"):
        call = space.call(name, {**settings, ui.chat.chatbot: chat, ui.chat.conversation: chat}, req=visitor)
        refusal = call.final(ui.chat.chatbot)[-1]["content"]
        assert "1 turn an hour on its owner's account" in refusal and "paste your own token" in refusal
    assert len(fake.seen(ROUTER_CHAT)) == 1  # nothing more was sent
