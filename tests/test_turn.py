"""The app's chat turn and payload views, without a browser."""

import asyncio
import json
import logging
import threading
import time
from pathlib import Path

import pytest

from fakehf import Reply
from playground_ui.settings import AppSettings
from playground_ui.turn import InputProblem, TurnInputs, TurnUpdate, choose_endpoint, generation_params, run_side_by_side, run_turn
from playground_ui.views import CallShape, curl_code, inference_client_code, metrics_markdown, python_code, request_text, response_text

SERVER_TOKEN = "hf_server_canary_token_000111"
HF_ROUTER = AppSettings.from_env({"HF_TOKEN": SERVER_TOKEN})


def settings_for(fake, **env):
    return AppSettings.from_env({"HF_INFERENCE_ENDPOINT": fake.inference_url, "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url, **env})


def run(turn_inputs, settings, message="Tell me about Paris.", conversation=()):
    async def collect():
        return [u async for u in run_turn(list(conversation), message, turn_inputs, settings)]

    return asyncio.run(collect())


def test_typed_token_wins_and_goes_anywhere_it_was_typed_for():
    chosen = choose_endpoint(TurnInputs(endpoint="public", model="m", api_base="http://10.0.0.1:8080", token=" hf_typed "), HF_ROUTER)
    assert chosen.api_key == "hf_typed"


def test_server_token_only_for_hugging_face_hosts():
    assert choose_endpoint(TurnInputs(endpoint="default", model="gpt2"), HF_ROUTER).api_key == SERVER_TOKEN
    hf_endpoint = TurnInputs(endpoint="private", model="m", api_base="https://abc.us-east-1.aws.endpoints.huggingface.cloud")
    served = choose_endpoint(hf_endpoint, HF_ROUTER)
    assert (served.api_key, served.api_base) == (SERVER_TOKEN, "https://abc.us-east-1.aws.endpoints.huggingface.cloud")  # and sent there
    elsewhere = TurnInputs(endpoint="public", model="m", api_base="https://models.example.org")
    assert choose_endpoint(elsewhere, HF_ROUTER).api_key is False  # never the server's token, never the library's chain
    plain_http = TurnInputs(endpoint="public", model="m", api_base="http://abc.endpoints.huggingface.cloud")
    assert choose_endpoint(plain_http, HF_ROUTER).api_key is False
    listed = AppSettings.from_env({"HF_TOKEN": SERVER_TOKEN, "PLAYGROUND_TOKEN_HOSTS": "models.example.org"})
    assert choose_endpoint(elsewhere, listed).api_key == SERVER_TOKEN


def test_private_endpoint_without_any_token_is_refused_with_a_sentence():
    with pytest.raises(InputProblem, match="needs a token"):
        choose_endpoint(TurnInputs(endpoint="private", model="m", api_base="https://models.example.org"), HF_ROUTER)
    for left_empty in ("  ", ""):
        with pytest.raises(InputProblem) as no_url:
            choose_endpoint(TurnInputs(endpoint="public", model="m", api_base=left_empty), HF_ROUTER)
        assert str(no_url.value) == "Paste the endpoint's URL in the API base URL box (it looks like https://xyz.endpoints.huggingface.cloud)."


def test_the_servers_token_goes_to_the_default_endpoint_only_if_both_its_hosts_are_trusted():
    """The default endpoint is two hosts: the router and hf-inference. An owner who lists a
    mirror of the router as trusted has not vouched for another hf-inference host."""
    mirrored = {"HF_TOKEN": SERVER_TOKEN, "HF_ROUTER_URL": "https://router.example.org", "PLAYGROUND_TOKEN_HOSTS": "router.example.org"}
    half = AppSettings.from_env({**mirrored, "HF_INFERENCE_ENDPOINT": "https://mirror.example.org"})
    assert choose_endpoint(TurnInputs(endpoint="default", model="gpt2"), half).api_key is False
    both = AppSettings.from_env({**mirrored, "HF_INFERENCE_ENDPOINT": "https://mirror.example.org",
                                 "PLAYGROUND_TOKEN_HOSTS": "router.example.org,mirror.example.org"})
    assert choose_endpoint(TurnInputs(endpoint="default", model="gpt2"), both).api_key == SERVER_TOKEN


def test_a_signed_in_visitor_typing_one_of_the_apps_own_services_as_the_url_calls_that_url():
    space = AppSettings.from_env({"SPACE_ID": "someone/playground", "HF_ROUTER_URL": "https://router.example.org"})
    inputs = TurnInputs(endpoint="public", model="m", api_base="https://router.example.org/v1", signed_in="hf_visitor_sign_in")
    chosen = choose_endpoint(inputs, space)
    assert (chosen.api_base, chosen.api_key) == ("https://router.example.org/v1", "hf_visitor_sign_in")


@pytest.mark.parametrize(("typed", "sent"), [
    ("###, \\n\\n", ["###", "\n\n"]),  # the box's own example: a blank line is a stop
    ("END\\nHuman:,  Bye ", ["END\nHuman:", "Bye"]),
    (" , ,", None),
    ("X, <|eot|>", ["X", "<|eot|>"]),  # only spaces are trimmed, never a stop's own characters
    ("", None),
])
def test_stop_sequences_are_split_at_commas_and_a_typed_newline_is_kept(typed, sent):
    assert generation_params(TurnInputs(stop=typed)).get("stop") == sent


def test_blank_generation_settings_are_left_out():
    assert generation_params(TurnInputs(max_tokens=None, temperature=None, top_p=None, stop="", seed="")) == {}
    assert generation_params(TurnInputs(max_tokens=0, temperature=0.0, top_p=None)) == {"temperature": 0.0}  # 0 is a temperature


def test_an_unknown_endpoint_kind_is_the_default_endpoint():
    chosen = choose_endpoint(TurnInputs(endpoint="elsewhere", model="gpt2", api_base="https://models.example.org"), HF_ROUTER)
    assert (chosen.model, chosen.api_base, chosen.api_key) == ("gpt2", None, SERVER_TOKEN)  # the URL box is not read


@pytest.mark.parametrize("model", ["", "   ", None])
def test_the_default_endpoint_without_a_model_asks_for_one(model):
    with pytest.raises(InputProblem) as refused:
        choose_endpoint(TurnInputs(endpoint="default", model=model), HF_ROUTER)
    assert str(refused.value) == "Choose a model first: pick one of the presets or type a model id such as gpt2."


@pytest.mark.parametrize(("model", "named"), [("", "local-demo/canned-chat"), (" my-org/my-model ", "my-org/my-model")])
def test_the_local_demo_gets_no_token_and_the_model_named_or_its_own(model, named):
    chosen = choose_endpoint(TurnInputs(endpoint="local", model=model, token="hf_typed_but_not_for_the_demo"), HF_ROUTER)
    assert chosen.api_key is False  # never a token, not even the library's own chain (HF_TOKEN...)
    assert chosen.model == named and chosen.local
    assert chosen.api_base.startswith("http://127.0.0.1:") and chosen.api_base.endswith(f"/models/{named}")


def test_generation_settings_become_openai_parameters():
    params = generation_params(TurnInputs(max_tokens=64.0, temperature=0.0, top_p=0.9, stop="###, END", seed=7.0))
    assert params == {"max_tokens": 64, "temperature": 0.0, "top_p": 0.9, "stop": ["###", "END"], "seed": 7}


def test_turn_streams_then_finishes_with_figures(fake):
    fake.token_delay = 0.02
    updates = run(TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", max_tokens=10), settings_for(fake))
    final = updates[-1]
    assert final.status == "done" and final.reply == " Paris is the capital of France. It has museums"
    assert any(u.status == "streaming" and 0 < len(u.reply) < len(final.reply) for u in updates)  # shown as it arrives
    assert final.figures.route == "chat" and final.figures.completion_tokens == 10 and final.figures.finish_reason == "length"
    assert final.figures.time_to_first_token <= final.figures.total_time


def test_text_that_came_before_the_endpoint_paused_is_shown_during_the_pause(fake):
    fake.hold_last = threading.Event()  # every token at once, then the stream's end held back
    released = threading.Timer(1.0, fake.hold_last.set)
    released.start()
    shown = []  # (reply, status, paused, released) of each update
    paused, streamed = [], []

    async def collect():
        inputs = TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", max_tokens=10)
        async for update in run_turn([], "Tell me about Paris.", inputs, settings_for(fake)):
            shown.append((update.reply, update.status, update.paused, fake.hold_last.is_set()))
            if update.paused:
                paused.append((update, time.monotonic()))
            elif update.status == "streaming":
                streamed.append(time.monotonic())

    asyncio.run(collect())
    released.join()
    final = shown[-1]
    assert final[1] == "done" and final[0] == " Paris is the capital of France. It has museums"
    during_pause = [(reply, paused) for reply, status, paused, released_yet in shown if status == "streaming" and not released_yet]
    assert during_pause and during_pause[-1] == (final[0], True)  # the whole text, marked so that the wire views show it too
    assert (final[0], False) in during_pause  # and shown first once the update interval was up, not half a second later
    assert len(during_pause) <= 5  # the burst of nine tokens went in a few updates, not one per token
    assert [paused for _, _, paused, _ in shown].count(True) == 1  # once per pause, not a flood of repeats
    update, when = paused[0]
    assert update.exchanges and update.call is not None  # the wire views keep what they show
    assert when - max(t for t in streamed if t < when) >= 0.45  # half a second of quiet first: not every pause between tokens


def test_a_pause_after_a_token_shown_at_once_still_redraws_the_wire_views(fake):
    """Tokens 0.1 s apart, each shown as it comes; then the endpoint pauses before its end:
    after half a second one update marked paused, so that the wire views catch up."""
    fake.token_delay = 0.1
    fake.hold_last = threading.Event()
    released = threading.Timer(1.6, fake.hold_last.set)
    released.start()
    shown = []

    async def collect():
        inputs = TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", max_tokens=5)
        async for update in run_turn([], "Tell me about Paris.", inputs, settings_for(fake)):
            shown.append((update.reply, update.paused, fake.hold_last.is_set()))

    asyncio.run(collect())
    released.join()
    assert [(reply, paused) for reply, paused, released_yet in shown if paused and not released_yet] == [(" Paris is the capital of", True)]


def test_stop_while_the_endpoint_pauses_closes_the_stream_quietly(fake):
    """Stop pressed while the next chunk is being read (the endpoint has paused): the turn
    closes at once and without an error. (That the server then sees its stream cut is the
    browser Stop test's; here the fake would notice only when it writes again, a race.)"""
    fake.hold_last = threading.Event()

    async def stop_at_the_pause():
        turn = run_turn([], "Tell me about Paris.", TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", max_tokens=5),
                        settings_for(fake))
        async for update in turn:
            if update.paused:
                break
        await turn.aclose()
        return update

    try:
        last = asyncio.run(asyncio.wait_for(stop_at_the_pause(), 10))
    finally:
        fake.hold_last.set()
    assert last.paused and last.reply == " Paris is the capital of"


def test_stop_before_the_first_byte_cancels_the_call(fake, monkeypatch):
    """Stop while the endpoint has not answered yet: the call is cancelled (its HTTP request
    closed), not left to run on in the background."""
    from playground_ui import turn

    seen = []

    async def never_answers(**kwargs):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    monkeypatch.setattr(turn, "acompletion", never_answers)

    async def stop_while_waiting():
        running = run_turn([], "Tell me about Paris.", TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta"), settings_for(fake))
        first = await anext(running)
        await asyncio.sleep(0.05)  # the call has started
        await running.aclose()
        await asyncio.sleep(0.05)
        return first, list(seen)  # before the loop's own end would cancel what is left

    first, cancelled = asyncio.run(stop_while_waiting())
    assert first.status == "waiting" and cancelled == ["cancelled"]


def test_a_model_that_reasons_first_shows_its_reply_streaming_before_the_first_word(fake):
    """Chunks of reasoning carry no text for the chat, but they say the reply has begun."""
    def chunk(delta, finish=None):
        return {"id": "", "object": "chat.completion.chunk", "created": 1, "model": "HuggingFaceH4/zephyr-7b-beta", "usage": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    events = [chunk({"role": "assistant", "content": None, "reasoning_content": "The user asks about Paris."}),
              chunk({"content": " Paris"}), chunk({"content": " is big"}, "stop")]
    body = "".join(f"data: {json.dumps(event)}\n\n" for event in events) + "data: [DONE]\n\n"
    fake.script("/hf-inference/models/HuggingFaceH4/zephyr-7b-beta/v1/chat/completions", Reply(200, body.encode(), "text/event-stream"))
    updates = run(TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", route="chat"), settings_for(fake))
    streamed = [u.reply for u in updates if u.status == "streaming"]
    assert streamed[0] == "" and updates[-1].reply == " Paris is big"


def test_a_slow_stream_shows_each_token_once_with_the_request_beside_it(fake):
    """Tokens 0.12 s apart (more than the update interval): each one is an update of its own,
    no update repeats the text before it, and the wire view has the request all along."""
    fake.token_delay = 0.12
    updates = run(TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", max_tokens=6), settings_for(fake))
    streamed = [u for u in updates if u.status == "streaming" and not u.paused]
    assert [u.reply for u in streamed] == [" Paris", " Paris is", " Paris is the", " Paris is the capital", " Paris is the capital of",
                                           " Paris is the capital of France"][: len(streamed)] and len(streamed) >= 5
    assert all("Tell me about Paris." in request_text(u.exchanges) for u in streamed)


def streaming_gaps(times: list[float]) -> float:
    """The median time between a chat's streamed updates."""
    gaps = sorted(b - a for a, b in zip(times, times[1:]))
    return gaps[len(gaps) // 2]


def test_with_many_chats_streaming_at_once_each_sends_fewer_updates_and_the_pace_recovers(fake):
    """Gradio spends CPU on every update: with 40 replies streaming at once each one is
    updated about every 40/150 s instead of at every token (0.1 s apart here), also after
    one of them ends, and a chat alone is updated at every token again, however many
    turns the process has served before."""
    settings = settings_for(fake)
    zephyr = "HuggingFaceH4/zephyr-7b-beta"

    async def chat(max_tokens: int) -> list[float]:
        times = []
        async for update in run_turn([], "Tell me about Paris.", TurnInputs(endpoint="default", model=zephyr, max_tokens=max_tokens), settings):
            if update.status == "streaming" and not update.paused:
                times.append(time.monotonic())
        return times

    async def served_before():
        for _ in range(50):
            await chat(2)

    async def at_once() -> list[list[float]]:
        chats = [asyncio.ensure_future(chat(14)) for _ in range(40)]
        await asyncio.sleep(0.3)
        await chat(1)  # one more chat comes and ends while they stream
        return await asyncio.gather(*chats)

    asyncio.run(served_before())
    fake.token_delay = 0.1
    alone = asyncio.run(chat(14))
    assert streaming_gaps(alone) < 0.2  # every token, as for the first chat
    crowded = asyncio.run(at_once())
    assert sorted(streaming_gaps(times) for times in crowded)[20] >= 0.2


def test_question_answering_turn_with_context(fake):
    inputs = TurnInputs(endpoint="default", model="deepset/deberta-v3-large-squad2", context="The capital of France is Paris.")
    final = run(inputs, settings_for(fake), message="What is the capital of France?")[-1]
    assert (final.status, final.reply, final.call.route) == ("done", "Paris", "question-answering")
    assert final.call.context == "The capital of France is Paris."  # the code view's call carries the passage


def test_a_forced_route_is_in_the_code_views_call(fake):
    inputs = TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", route="text generation", max_tokens=4)
    final = run(inputs, settings_for(fake), message="Paris is")[-1]
    assert final.status == "done" and final.call.task == "text-generation" and final.call.route == "text-generation"  # and taken


@pytest.mark.parametrize("message", ["", "   ", None])
def test_an_empty_message_is_refused_and_nothing_is_sent(fake, message):
    final = run(TurnInputs(endpoint="default", model="gpt2"), settings_for(fake), message=message)[-1]
    assert (final.status, final.reply, final.error) == ("refused", "", "Type a message first.")
    assert fake.requests == []


def test_failed_turn_ends_with_a_sentence_and_the_raw_error(fake):
    inputs = TurnInputs(endpoint="private", model="m", api_base=fake.endpoint_url("private-chat"), token="hf_fake_wrong_token_1")
    final = run(inputs, settings_for(fake))[-1]
    assert final.status == "error" and final.error.startswith("The token in the Token box was refused (HTTP 401")
    assert "HTTP 401" in response_text(final.exchanges)
    assert "hf_fake_wrong_token_1" not in request_text(final.exchanges) + final.error
    assert final.error.endswith("paste a fresh one from https://huggingface.co/settings/tokens.")  # nothing after the sentence:
    assert "Local demo" not in final.error  # the offline hint is for a connection that failed, not a refusal
    assert final.call is not None and final.call.api_base == fake.endpoint_url("private-chat")  # the code view shows the failed call
    assert (final.figures.route, final.figures.finish_reason, final.figures.time_to_first_token) == ("chat", "error", None)
    side_b = run(TurnInputs(**{**inputs.__dict__, "side": "B"}), settings_for(fake))[-1]
    assert side_b.error.startswith("The token in side B's Token box was refused (HTTP 401")  # in compare mode, the side's own box


def test_a_bug_of_ours_ends_the_turn_with_a_sentence_and_the_traceback_goes_to_the_log(fake, monkeypatch, caplog):
    from playground_ui import turn

    async def broken_call(**kwargs):
        raise RuntimeError("a bug before sending")

    def broken_figures(*args):
        raise RuntimeError("a bug after the reply")

    inputs = TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", token="hf_fake_valid_user_token", max_tokens=3)
    sorry = "Something went wrong inside the playground; the server log has the details. Try again, or report it."
    with caplog.at_level(logging.ERROR, logger=turn.log.name):
        working = turn.acompletion
        monkeypatch.setattr(turn, "acompletion", broken_call)
        before = run(inputs, settings_for(fake))[-1]
        monkeypatch.setattr(turn, "acompletion", working)
        monkeypatch.setattr(turn, "_figures", broken_figures)
        after = run(inputs, settings_for(fake))[-1]
    assert (before.status, before.error, before.reply, before.exchanges) == ("error", sorry, "", [])
    assert (after.status, after.error, after.reply) == ("error", sorry, " Paris is the")  # what came stays
    assert "HTTP 200" in response_text(after.exchanges) and after.call is not None and before.call is not None
    records = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [str(r.exc_info[1]) for r in records] == ["a bug before sending", "a bug after the reply"]  # the traceback, for the server's log
    assert all(r.getMessage().startswith("chat turn failed for TurnInputs(endpoint='default', model='HuggingFaceH4/zephyr-7b-beta'")
               and "token=set" in r.getMessage() for r in records)
    assert "hf_fake_valid_user_token" not in caplog.text  # never the token itself


def test_an_error_in_the_middle_of_a_stream_keeps_the_text_and_its_figures(fake):
    chunk = {"id": "", "object": "chat.completion.chunk", "created": 1, "model": "HuggingFaceH4/zephyr-7b-beta",
             "system_fingerprint": "3.2.1-native", "usage": None,
             "choices": [{"index": 0, "delta": {"role": "assistant", "content": " Paris"}, "logprobs": None, "finish_reason": None}]}
    failure = {"error": "Request failed during generation: Server error: CUDA out of memory", "error_type": "generation"}
    body = f"data: {json.dumps(chunk)}\n\ndata: {json.dumps(failure)}\n\n".encode()
    fake.script("/hf-inference/models/HuggingFaceH4/zephyr-7b-beta/v1/chat/completions", Reply(200, body, "text/event-stream"))
    final = run(TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", route="chat"), settings_for(fake))[-1]
    assert final.status == "error" and final.reply == " Paris" and "CUDA out of memory" in response_text(final.exchanges)
    assert final.figures.route == "chat" and final.figures.time_to_first_token is not None  # a token came


def test_refused_turn_sends_nothing(fake):
    final = run(TurnInputs(endpoint="private", model="m", api_base=fake.endpoint_url("private-chat")), settings_for(fake))[-1]
    assert final.status == "refused" and "needs a token" in final.error and final.reply == ""
    spaced = TurnInputs(endpoint="private", model="m", api_base=fake.endpoint_url("private-chat"), token="hf_fake valid")
    final = run(spaced, settings_for(fake))[-1]  # the library's own check of the token: nothing sent either
    assert final.status == "refused" and "Token box" in final.error and final.exchanges == []
    assert fake.requests == []


def test_loading_model_shows_a_countdown(fake):
    path = "/hf-inference/models/HuggingFaceH4/zephyr-7b-beta/v1/chat/completions"
    fake.script(path, Reply(503, {"error": "Model HuggingFaceH4/zephyr-7b-beta is currently loading", "estimated_time": 1.5}))
    updates = run(TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", route="chat"), settings_for(fake))
    loading = [u.reply for u in updates if u.status == "loading"]
    assert loading and "is loading" in loading[0] and "about 2 s left" in loading[0]
    first_wait = next(u for u in updates if u.status == "loading")
    assert "HTTP 503" in response_text(first_wait.exchanges) and first_wait.call.model == "HuggingFaceH4/zephyr-7b-beta"  # the 503, shown at once
    assert updates[-1].status == "done"


def test_a_turn_starts_with_a_waiting_update_that_already_carries_its_call(fake):
    updates = run(TurnInputs(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", max_tokens=3), settings_for(fake))
    first = updates[0]
    assert (first.status, first.reply, first.exchanges) == ("waiting", "", [])
    assert first.call.model == "HuggingFaceH4/zephyr-7b-beta" and first.call.messages[-1]["content"] == "Tell me about Paris."


def test_mid_stream_error_keeps_the_text(fake):
    body = (
        'data:{"index":1,"token":{"id":1,"text":" Hello","logprob":-0.1,"special":false},"generated_text":null,"details":null}\n\n'
        'data:{"error":"Request failed during generation: overloaded","error_type":"generation"}\n\n'
    )
    fake.script("/hf-inference/models/gpt2", Reply(200, body, "text/event-stream"))
    final = run(TurnInputs(endpoint="default", model="gpt2", route="text generation"), settings_for(fake))[-1]
    assert final.status == "error" and final.reply == " Hello" and "stopped with an error after 6 characters" in final.error


def test_views_show_the_exchange_with_the_token_redacted(fake):
    inputs = TurnInputs(endpoint="private", model="meta-llama/Llama-2-7b-chat-hf", api_base=fake.endpoint_url("private-chat"),
                        token="hf_fake_private_endpoint_token", max_tokens=3)
    final = run(inputs, settings_for(fake))[-1]
    request, response = request_text(final.exchanges), response_text(final.exchanges)
    assert f"POST {fake.endpoint_url('private-chat')}/v1/chat/completions" in request
    assert "authorization: Bearer hf_***" in request and "hf_fake_private_endpoint_token" not in request
    assert '"max_tokens": 3' in request
    assert "HTTP 200" in response and "content-type: text/event-stream" in response and 'data: {"id":"","object":"chat.completion.chunk"' in response  # verbatim
    for code in (python_code(final.call), curl_code(final.exchanges), inference_client_code(final.call)):
        assert "hf_fake_private_endpoint_token" not in code and "HF_TOKEN" in code
    assert "curl -X POST" in curl_code(final.exchanges) and '"Authorization: Bearer $HF_TOKEN"' in curl_code(final.exchanges)


def test_python_code_is_runnable_python():
    shape = CallShape(model="gpt2", messages=[{"role": "user", "content": 'say "hi"'}], api_base="https://x.cloud", uses_token=True,
                      params={"max_tokens": 5, "stop": ["###"]})
    compile(python_code(shape), "<code view>", "exec")
    compile(inference_client_code(shape), "<code view>", "exec")
    assert curl_code([]).startswith("#")  # nothing sent: a comment that says so, not a broken command


# --- on a public deployment: no calls into the server's own network -------------------------


@pytest.fixture
def nothing_may_be_sent(monkeypatch):
    """Refusal tests never send anything: the library call fails the test if reached, and the
    resolver is a stub (no test ever points at a private address for real)."""
    from playground import _netguard
    from playground_ui import turn

    async def must_not_send(**kwargs):
        raise AssertionError(f"a request was about to be sent to {kwargs.get('api_base')}")

    monkeypatch.setattr(turn, "acompletion", must_not_send)
    table = {"internal.example.com": ["10.1.2.3"], "metadata.example.com": ["169.254.169.254"],
             "mixed.example.com": ["93.184.216.34", "192.168.1.7"], "v6.example.com": ["::ffff:127.0.0.1"]}

    async def stub(host, port):
        return table[host]

    monkeypatch.setattr(_netguard, "resolve", stub)


SPACE = AppSettings.from_env({"SPACE_ID": "someone/playground", "HF_TOKEN": SERVER_TOKEN})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080", "http://[::1]:8080", "http://10.0.0.5", "http://169.254.169.254/latest/meta-data",
        "https://internal.example.com", "https://metadata.example.com", "https://mixed.example.com", "http://v6.example.com",
        "http://0.0.0.0:7860",
    ],
)
def test_on_a_space_private_addresses_are_refused_before_anything_is_sent(nothing_may_be_sent, url):
    final = run(TurnInputs(endpoint="public", model="m", api_base=url), SPACE)[-1]
    assert final.status == "refused" and "private or local address" in final.error and "public URL" in final.error
    assert final.exchanges == []


def test_public_hosts_pass_and_self_hosters_can_allow_private_ones(nothing_may_be_sent):
    from playground_ui.turn import prepare_endpoint

    public = asyncio.run(prepare_endpoint(TurnInputs(endpoint="public", model="m", api_base="https://93.184.216.34"), SPACE))
    assert public.api_base == "https://93.184.216.34"
    allowed = AppSettings.from_env({"SPACE_ID": "someone/playground", "PLAYGROUND_ALLOW_PRIVATE_URLS": "1"})
    inside = asyncio.run(prepare_endpoint(TurnInputs(endpoint="public", model="m", api_base="https://internal.example.com"), allowed))
    assert inside.api_base == "https://internal.example.com"
    assert not AppSettings.from_env({}).block_private_urls and AppSettings.from_env({"PLAYGROUND_BLOCK_PRIVATE_URLS": "1"}).block_private_urls


def test_the_local_demo_is_exempt_on_a_space():
    final = run(TurnInputs(endpoint="local", model="meta-llama/Llama-2-7b-chat-hf", max_tokens=4), SPACE)[-1]
    assert final.status == "done" and final.reply.startswith("(Local")


def test_without_network_the_error_suggests_the_local_demo(monkeypatch):
    import socket as sockets

    with sockets.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]
    monkeypatch.setenv("HF_INFERENCE_ENDPOINT", f"http://127.0.0.1:{dead}/hf-inference")
    final = run(TurnInputs(endpoint="default", model="gpt2", route="chat"), AppSettings.from_env())[-1]
    assert final.status == "error" and "Could not connect" in final.error and "Local demo" in final.error


def test_a_message_or_conversation_past_the_limits_is_refused_with_nothing_sent(monkeypatch):
    from playground_ui import turn

    async def must_not_send(**kwargs):
        raise AssertionError("a refused turn must not reach the library")

    monkeypatch.setattr(turn, "acompletion", must_not_send)
    small = AppSettings.from_env({"PLAYGROUND_MAX_MESSAGE_CHARS": "50", "PLAYGROUND_MAX_CONVERSATION_CHARS": "120"})
    inputs = TurnInputs(endpoint="local", model="m")
    final = run(inputs, small, message="x" * 51)[-1]
    assert final.status == "refused" and "51 characters" in final.error and "at most 50" in final.error
    assert final.reply == ""  # only the sentence shows (the API's reply to a script is empty too)
    history = [{"role": "user", "content": "y" * 55}, {"role": "assistant", "content": "z" * 55}]
    final = run(inputs, small, message="a short one", conversation=history)[-1]
    assert final.status == "refused" and "Clear" in final.error and "120" in final.error
    long_context = TurnInputs(endpoint="local", model="m", context="c" * 60)
    assert "context" in run(long_context, small, message="Who?")[-1].error
    assert final.exchanges == []


def test_messages_within_the_limits_go_through():
    small = AppSettings.from_env({"PLAYGROUND_MAX_MESSAGE_CHARS": "50", "PLAYGROUND_MAX_CONVERSATION_CHARS": "120"})
    final = run(TurnInputs(endpoint="local", model="meta-llama/Llama-2-7b-chat-hf", max_tokens=4), small, message="x" * 50)[-1]
    assert final.status == "done"


def test_the_limits_count_the_context_too_and_allow_exactly_the_limit():
    from playground_ui.turn import length_problem

    small = AppSettings.from_env({"PLAYGROUND_MAX_MESSAGE_CHARS": "50", "PLAYGROUND_MAX_CONVERSATION_CHARS": "120"})
    assert length_problem("Who?", [{"role": "user", "content": "Who?"}], "c" * 50, small) is None  # a context of exactly the limit goes
    messages = [{"role": "user", "content": "y" * 50}, {"role": "assistant", "content": "z" * 46}, {"role": "user", "content": "Who?"}]
    assert length_problem("Who?", messages, "c" * 20, small) is None  # 120 in all: at the limit
    assert length_problem("Who?", messages, "c" * 21, small) == (
        "The conversation has grown to 121 characters, more than the 120 this playground sends in one turn. "
        "Press Clear to start a new conversation (or shorten the system prompt).")


def test_side_by_side_turns_interleave_and_stop_together():
    closed = []

    async def turn(name, count, delay):
        try:
            for index in range(count):
                await asyncio.sleep(delay)
                yield TurnUpdate(reply=f"{name}{index}")
        finally:
            closed.append(name)

    async def main():
        merged = run_side_by_side(a=turn("a", 1000, 0.01), b=turn("b", 2, 0.001))
        seen = []
        async for side, update in merged:
            seen.append(update.reply)
            if len(seen) == 5:
                break
        await merged.aclose()  # Stop: the slow side must not run on
        return seen

    seen = asyncio.run(main())
    assert {"b0", "b1"} <= set(seen) and "a0" in seen  # the fast side did not wait for the slow one
    assert sorted(closed) == ["a", "b"]


@pytest.mark.parametrize("typed, sent", [("", None), ("  ", None), ("42", 42), (" 7 ", 7), (3.0, 3), ("0", 0)])
def test_the_seed_box_sends_a_seed_only_when_one_is_typed(typed, sent):
    assert generation_params(TurnInputs(seed=typed)).get("seed") == sent


@pytest.mark.parametrize("typed", ["abc", "-1", "1.5"])
def test_a_seed_that_is_not_a_whole_number_is_refused_with_a_sentence(typed):
    with pytest.raises(InputProblem, match="The seed must be a whole number"):
        generation_params(TurnInputs(seed=typed))


def test_the_seed_refusal_quotes_what_was_typed_up_to_40_characters():
    with pytest.raises(InputProblem) as refused:
        generation_params(TurnInputs(seed="abcdefghij" * 5))
    assert str(refused.value) == ("The seed must be a whole number of 0 or more (or empty for a new one each time), "
                                  f"not '{'abcdefghij' * 4}'.")


def test_a_turns_cost_is_unknown_for_a_model_the_router_does_not_list_or_an_unnamed_provider(fake):
    from playground_ui.turn import _cost

    usage = {"prompt_tokens": 1000, "completion_tokens": 2000}
    assert asyncio.run(_cost("novita", "someone/not-on-the-router", usage)) is None
    assert asyncio.run(_cost(None, "meta-llama/Llama-3.1-8B-Instruct", usage)) is None
    assert asyncio.run(_cost("novita", "meta-llama/Llama-3.1-8B-Instruct", usage)) > 0


def test_the_code_view_shows_the_chosen_languages_code_of_the_last_call():
    from playground import Exchange
    from playground_ui.payload_view import code_for

    call = CallShape(model="meta-llama/Llama-3.1-8B-Instruct", messages=[{"role": "user", "content": "Hi"}], route="chat")
    sent = [Exchange("chat", "POST", "https://router.huggingface.co/v1/chat/completions", {}, {"messages": []}, status=200)]
    last = {"call": call, "exchanges": sent}
    assert code_for("Python (playground)", last) == (python_code(call), "python")
    assert code_for("curl", last) == (curl_code(sent), "shell")
    assert code_for("InferenceClient", last) == (inference_client_code(call), "python")
    assert code_for("curl", None) == ("# Send a message: the same call appears here as code.", "python")


def test_a_turn_on_the_default_endpoint_reaches_inference_providers_with_the_typed_token(fake):
    inputs = TurnInputs(endpoint="default", model="meta-llama/Llama-3.1-8B-Instruct:cheapest", token="hf_fake_valid_user_token", max_tokens=3)
    final = run(inputs, settings_for(fake))[-1]
    assert final.status == "done" and final.reply == " Paris is the"
    assert f"POST {fake.router_url}/v1/chat/completions" in request_text(final.exchanges)
    assert "x-inference-provider: novita" in response_text(final.exchanges)
    assert "Served by: novita (Inference Providers)" in response_text(final.exchanges)
    assert final.call.provider == "novita"
    code = inference_client_code(final.call)
    assert 'provider="auto"' in code and "meta-llama/Llama-3.1-8B-Instruct:cheapest" in code
    compile(code, "<code view>", "exec")


def test_a_turn_refused_by_the_router_reads_as_its_sentence(fake):
    inputs = TurnInputs(endpoint="default", model="meta-llama/Llama-3.1-8B-Instruct", token="hf_fake_credits_used_up")
    final = run(inputs, settings_for(fake))[-1]
    assert final.status == "error" and final.error.startswith("Your monthly Inference Providers credits are used up (HTTP 402")
    assert "“Bill to”" in final.error and "Token box" in final.error  # the boxes to change
    assert "HTTP 402" in response_text(final.exchanges)


@pytest.mark.parametrize(
    "model, token, box",
    [
        ("meta-llama/Llama-3.1-8B-Instruct", "", "type one in the Token box"),
        ("meta-llama/Llama-3.1-8B-Instruct", "hf_fake_not_a_real_token", "The token in the Token box was refused"),
        ("meta-llama/Llama-3.1-8B-Instruct", "hf_fake_read_only_token", "“Make calls to Inference Providers” permission"),
        ("Qwen/Qwen2.5-VL-7B-Instruct", "hf_fake_valid_user_token", "choose another provider in the Provider box"),
    ],
)
def test_router_refusals_name_the_box_to_change(fake, model, token, box):
    final = run(TurnInputs(endpoint="default", model=model, token=token), settings_for(fake))[-1]
    assert final.status == "error" and box in final.error


def test_tokens_counted_by_the_playground_are_marked_as_an_estimate(fake):
    """A TGI 1.x stream carries no usage: the playground counts the tokens itself and says so."""
    inputs = TurnInputs(endpoint="public", model="", api_base=fake.endpoint_url("zephyr-tgi1"), max_tokens=5)
    final = run(inputs, settings_for(fake))[-1]
    assert final.status == "done" and final.figures.estimated is True and final.figures.completion_tokens
    assert f"**tokens** {final.figures.completion_tokens} (estimated)" in metrics_markdown(final.figures)


def test_the_figures_name_the_provider_and_the_cost(fake):
    inputs = TurnInputs(endpoint="default", model="meta-llama/Llama-3.1-8B-Instruct", provider="novita", token="hf_fake_valid_user_token",
                        max_tokens=3, bill_to=" my-org ")
    final = run(inputs, settings_for(fake))[-1]
    sent = fake.seen("/v1/chat/completions")[-1]
    assert sent.body["model"] == "meta-llama/Llama-3.1-8B-Instruct:novita" and sent.headers["x-hf-bill-to"] == "my-org"
    assert sent.body["stream_options"] == {"include_usage": True}
    figures = final.figures
    prompt, completion = sent.body["messages"][0]["content"].count(" ") + 1, 3  # the fake counts words as tokens
    assert figures.provider == "novita" and not figures.estimated and figures.completion_tokens == completion
    assert figures.cost == pytest.approx((prompt * 0.02 + completion * 0.05) / 1e6)  # novita's prices in the fake's /v1/models
    shown = metrics_markdown(figures)
    assert shown.startswith("**provider** novita · ") and "**cost** ≈ $0.00000" in shown


def test_a_dedicated_turn_names_the_engine_and_no_provider(fake):
    inputs = TurnInputs(endpoint="public", model="tgi", api_base=fake.endpoint_url("llamacpp-chat"), max_tokens=2, bill_to="my-org")
    final = run(inputs, settings_for(fake))[-1]
    assert final.figures.engine == "llama.cpp b1-0c1e570" and final.figures.provider is None and final.figures.cost is None
    assert all("x-hf-bill-to" not in s.headers and "stream_options" not in (s.body or {}) for s in fake.seen("/endpoints/"))


def test_a_vllm_endpoint_turn_shows_the_served_model_note(fake):
    inputs = TurnInputs(endpoint="public", model="tgi", api_base=fake.endpoint_url("vllm-chat"), max_tokens=2)
    final = run(inputs, settings_for(fake))[-1]
    assert final.status == "done" and final.reply == " Paris is"
    assert "Note: The endpoint does not serve the model 'tgi'" in request_text(final.exchanges)
    assert "Served by: vLLM 0.11.0" in response_text(final.exchanges)


def test_server_token_stays_home_when_the_router_is_not_hugging_faces():
    elsewhere = AppSettings.from_env({"HF_TOKEN": SERVER_TOKEN, "HF_ROUTER_URL": "https://router.example.org"})
    assert choose_endpoint(TurnInputs(endpoint="default", model="gpt2"), elsewhere).api_key is False


def test_the_task_line_says_what_the_model_does_in_plain_words_first(fake):
    from playground import resolve_route
    from playground_ui.views import task_line

    def lines(line: str) -> list[str]:
        return [part.replace('<span class="task-details">', "").replace("</span>", "") for part in line.split("  \n")]

    engine = resolve_route("tgi", api_base=fake.endpoint_url("llamacpp-chat"))
    assert lines(task_line(engine)) == ["**Chats with you** on llama.cpp b1-0c1e570",
                                        "Engine: llama.cpp b1-0c1e570 · serves meta-llama/Llama-2-7b-chat-hf · route: chat"]
    tgi = resolve_route("", api_base=fake.endpoint_url("public-base"))
    assert lines(task_line(tgi)) == ["**Chats with you** on TGI 3.2.1",
                                     "Engine: TGI 3.2.1 · serves meta-llama/Llama-2-7b-hf · task text-generation (from the endpoint's /info) · route: chat"]
    routed = resolve_route("meta-llama/Llama-3.1-8B-Instruct")
    assert lines(task_line(routed)) == ["**Chats with you** through Inference Providers", "task text-generation (from the Hub) · route: chat"]
    qa = resolve_route("deepset/roberta-base-squad2")
    assert lines(task_line(qa)) == ["**Answers questions about a passage you paste**", "Task: question-answering (from the Hub) · route: question-answering"]
    base = resolve_route("gpt2", task="text-generation")
    assert lines(task_line(base))[0] == "**Continues the text you give it**"


def test_the_task_line_says_the_route_the_last_turn_really_took(fake):
    from playground_ui.views import with_last_route

    inputs = TurnInputs(endpoint="public", model="meta-llama/Llama-2-7b-hf", api_base=fake.endpoint_url("public-base"), max_tokens=3)
    final = run(inputs, settings_for(fake))[-1]
    line = '**Chats with you** on TGI 3.2.1  \n<span class="task-details">Engine: TGI 3.2.1 · route: chat</span>\n\n⚠️ a warning'
    assert with_last_route(line, final.exchanges) == (
        '**Chats with you** on TGI 3.2.1  \n<span class="task-details">Engine: TGI 3.2.1 · route: chat · last turn: text-generation '
        "(no chat template)</span>\n\n⚠️ a warning"
    )
    final = run(replace_inputs(inputs, api_base=fake.endpoint_url("private-chat"), token="hf_fake_private_endpoint_token"), settings_for(fake))[-1]
    assert with_last_route("x", final.exchanges) == "x · last turn: chat"
    assert with_last_route("x", []) == "x"


def replace_inputs(inputs, **changes):
    from dataclasses import replace

    return replace(inputs, **changes)


@pytest.mark.parametrize(
    "typed, served, differ",
    [("meta-llama/Llama-2-7b-chat-hf", "meta-llama/Llama-2-7b-hf", True), ("Meta-Llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-hf", False),
     ("tgi", "meta-llama/Llama-2-7b-hf", False), ("meta-llama/Llama-3.1-8B-Instruct", "llama-3-1-8b-instruct-xyz", False),
     ("meta-llama/Llama-2-7b-hf", "/repository", False)],
)
def test_a_model_mismatch_is_only_a_hub_id_against_another(typed, served, differ):
    from playground_ui.views import models_differ

    assert models_differ(typed, served) is differ


def test_the_local_demo_says_its_provider_is_canned(fake):
    final = run(TurnInputs(endpoint="local", model="local-demo/canned-chat", provider="cheapest", bill_to="my-org"), settings_for(fake))[-1]
    assert final.status == "done" and final.figures.provider == "Local demo (canned)" and final.figures.cost is None
    assert "**provider** Local demo (canned)" in metrics_markdown(final.figures)
    assert fake.requests == []  # nothing left the app, the provider choice and Bill to included


def test_the_code_view_shows_who_pays(fake):
    inputs = TurnInputs(endpoint="default", model="meta-llama/Llama-3.1-8B-Instruct", token="hf_fake_valid_user_token", max_tokens=2, bill_to="my-org")
    final = run(inputs, settings_for(fake))[-1]
    python, client, curl = python_code(final.call), inference_client_code(final.call), curl_code(final.exchanges)
    assert "bill_to='my-org'" in python and "InferenceClient(model='meta-llama/Llama-3.1-8B-Instruct', provider=\"auto\"" in client
    assert "bill_to='my-org')" in client.splitlines()[4] and "-H 'x-hf-bill-to: my-org'" in curl
    for code in (python, client):
        compile(code, "<code view>", "exec")


@pytest.mark.parametrize(
    "inputs, says, never",
    [
        (dict(endpoint="default", model="deepset/roberta-base-squad2"), "paste the passage in the Context box", "context="),
        (dict(endpoint="public", model="tgi", api_base="{private}"), "This endpoint needs a token (HTTP 401): type one (hf_...) in the Token box.", "HF_TOKEN"),
        (dict(endpoint="public", model="tgi", api_base="{missing}"), "check the API base URL box", "api_base"),
        (dict(endpoint="default", model="HuggingFaceH4/zephyr-7b-beta", max_tokens=4096, route="chat"), "lower “Max new tokens” in the generation settings", "max_tokens"),
        (dict(endpoint="public", model="tgi", api_base="{private}", token="hf_bad token"), "The token in the Token box has characters", "api_key"),
    ],
)
def test_errors_in_the_page_name_the_pages_boxes_not_the_librarys_arguments(fake, inputs, says, never):
    urls = {"{private}": fake.endpoint_url("private-chat"), "{missing}": fake.url + "/endpoints/nothing-here"}
    inputs = {k: urls.get(v, v) if isinstance(v, str) else v for k, v in inputs.items()}
    final = run(TurnInputs(**inputs), settings_for(fake), message="What is the capital of France? " * 3)[-1]
    assert final.status in ("error", "refused") and says in final.error and never not in final.error


@pytest.mark.parametrize("endpoint", ["tgi-text", "vllm", "router"])
def test_a_streams_response_view_starts_with_the_text_it_carries_and_its_event_count(fake, endpoint):
    inputs = {
        "tgi-text": TurnInputs(endpoint="public", model="meta-llama/Llama-2-7b-hf", api_base=fake.endpoint_url("public-base"), max_tokens=3, route="text generation"),
        "vllm": TurnInputs(endpoint="public", model="tgi", api_base=fake.endpoint_url("vllm-chat"), max_tokens=3),
        "router": TurnInputs(endpoint="default", model="meta-llama/Llama-3.1-8B-Instruct", token="hf_fake_valid_user_token", max_tokens=3),
    }[endpoint]
    final = run(inputs, settings_for(fake))[-1]
    shown = [line for line in response_text(final.exchanges[-1:]).splitlines() if not line.startswith("Served by: ")]
    events = len(final.exchanges[-1].events)
    assert shown[1] == "HTTP 200" and shown[2] == f"Stream: {events} events; the text they carry: “Paris is the”"
    assert "Raw events, as they arrived:" in shown and shown[-1].startswith("data: ")


def run_snippet(code: str, fake, language: str) -> str:
    """A code view's snippet run as a person would (the token in $HF_TOKEN), against the fake."""
    import os
    import subprocess
    import sys

    env = {"PATH": os.environ.get("PATH", ""), "HF_TOKEN": "hf_fake_private_endpoint_token", "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           "HF_ENDPOINT": fake.url, "HF_HOME": os.environ.get("HF_HOME", "/tmp"), "NO_PROXY": "127.0.0.1,localhost"}
    command = [sys.executable, "-c", code] if language == "python" else ["bash", "-c", code]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_each_code_view_sends_the_request_the_turn_sent(fake):
    """Run the Python, curl and InferenceClient snippets of a turn: each reaches the same
    endpoint with the same token, messages and generation settings as the turn itself."""
    inputs = TurnInputs(endpoint="private", model="meta-llama/Llama-2-7b-chat-hf", api_base=fake.endpoint_url("private-chat"),
                        token="hf_fake_private_endpoint_token", max_tokens=7, temperature=0.3, top_p=0.9, stop="###",
                        system_prompt="Be brief.")
    final = run(inputs, settings_for(fake))[-1]
    chat = "/endpoints/private-chat/v1/chat/completions"
    sent = fake.seen(chat)[-1].body
    for code, language in ((python_code(final.call), "python"), (curl_code(final.exchanges), "shell"),
                           (inference_client_code(final.call), "python")):
        fake.requests.clear()
        output = run_snippet(code, fake, language)
        again = fake.seen(chat)
        assert again, f"the {language} snippet did not call {chat}:\n{code}"
        assert again[-1].headers["authorization"] == "Bearer hf_fake_private_endpoint_token"
        body = again[-1].body
        assert body["messages"] == sent["messages"] and body.get("stream") is True
        for name in ("max_tokens", "temperature", "top_p", "stop"):
            assert body.get(name) == sent.get(name), (language, name, body)
        assert "Paris" in output
