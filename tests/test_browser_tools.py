"""The tools beyond chat, in real headless Chromium: the endpoint doctor, compare mode,
and session export / import / replay."""

import json
import re
import threading

from playwright.sync_api import Page, expect

from apprun import free_port

from browsing import PRIVATE_TOKEN, app, browser_context_args, browser_type_launch_args, choose_kind, code_text, context, shared_context, shot  # noqa: F401 (fixtures)
from conftest import APP_SERVER_TOKEN
from fakehf import recorded


def check(page: Page) -> str:
    page.locator("#doctor").click()
    report = page.locator("#doctor-report")
    expect(report).to_contain_text("Endpoint check:", timeout=15000)
    return report.inner_text()


def marks(page: Page) -> list[str]:
    """The colour of each line's mark, as the page paints it."""
    return page.locator("#doctor-report .doctor-mark").evaluate_all("marks => marks.map(m => getComputedStyle(m).color)")


GREEN, AMBER, RED = "rgb(22, 163, 74)", "rgb(217, 119, 6)", "rgb(220, 38, 38)"


def test_doctor_reports_a_healthy_endpoint_in_green_with_its_probes(app: Page, fake):
    choose_kind(app, "Private endpoint", fake.endpoint_url("private-chat"))
    app.locator("#token input").fill(PRIVATE_TOKEN)
    report = check(app)
    assert "Ready to chat." in report
    assert marks(app) == [GREEN, GREEN, GREEN]
    assert "TGI 3.2.1 serves meta-llama/Llama-2-7b-chat-hf" in report and "4,096 tokens in all" in report
    app.locator("#doctor-report summary").click()  # the probes, folded under the report
    request = app.locator("#doctor-report pre").inner_text()
    assert f"GET {fake.endpoint_url('private-chat')}/health" in request and f"GET {fake.endpoint_url('private-chat')}/info" in request
    assert '"max_tokens": 1' in request and "authorization: Bearer hf_***" in request
    assert code_text(app, "request") == "Nothing sent yet."  # the last turn's view is not taken over
    for secret in (PRIVATE_TOKEN, APP_SERVER_TOKEN):
        assert secret not in report and secret not in request and secret not in app.content()
    shot(app, "doctor-healthy")
    app.locator("#token input").fill("hf_fake_another_token")  # a report made with another token misleads: it goes
    expect(app.locator("#doctor-report")).not_to_contain_text("Endpoint check")


def test_doctor_tells_a_missing_token(app: Page, fake):
    choose_kind(app, "Private endpoint", fake.endpoint_url("private-chat"))
    report = check(app)
    assert "Needs attention" in report and marks(app) == [RED]
    assert "needs a token (HTTP 401): paste a Hugging Face token (hf_...) in the Token box." in report
    assert len(fake.seen("/endpoints/private-chat")) == 1  # one GET /health told it all


def test_doctor_tells_a_wrong_url(app: Page, fake):
    choose_kind(app, "Public endpoint", fake.url + "/endpoints/no-such-endpoint")
    report = check(app)
    assert marks(app)[-1] == RED and "Nothing answers at" in report and "(HTTP 404): check the URL." in report
    app.locator("#doctor-report summary").click()
    assert "HTTP 404" in app.locator("#doctor-report pre").inner_text()
    shot(app, "doctor-wrong-url")


def test_doctor_tells_a_loading_model_with_its_wait(app: Page, fake):
    fake.script("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions", recorded("serverless_503_model_loading"))
    report = check(app)
    assert "Works, with something to know." in report
    assert "The model is loading (HTTP 503): about 20 s left" in report and marks(app)[-1] == AMBER
    # a report of other settings would mislead: changing the endpoint clears it
    app.locator("#endpoint").get_by_text("Local demo").click()
    expect(app.locator("#doctor-report")).not_to_contain_text("Endpoint check")


def pane(page: Page, side: str):
    return page.locator(f'#chatbot-{side} [data-testid="bot"]').last


def test_compare_streams_both_sides_at_once_and_a_failing_side_leaves_the_other(app: Page, fake):
    fake.hold_last = threading.Event()  # side A streams until the test lets it end
    app.locator("#compare input").check()
    expect(app.locator("#chatbot-a")).to_be_visible()
    expect(app.locator("#chatbot")).to_have_count(0)  # one chat pane per side instead
    app.locator("#endpoint-b").get_by_text("Public endpoint").click()
    refused = f"http://127.0.0.1:{free_port()}"
    box = app.locator("#api-base-b textarea")
    expect(box).to_be_visible()
    box.fill(refused)
    app.locator("#message textarea").fill("Tell me about Paris.")
    app.locator("#send").click()
    expect(pane(app, "b")).to_contain_text("Could not connect to 127.0.0.1", timeout=10000)
    expect(app.locator("#metrics-a")).to_contain_text("Streaming")  # B failed while A was still streaming: they run at once
    fake.hold_last.set()
    expect(app.locator("#metrics-a")).to_contain_text("finish", timeout=15000)
    expect(pane(app, "a")).to_have_text(re.compile(r"Paris is the capital of France\. It has museums, cafes and parks"))
    expect(app.locator("#metrics-a")).to_contain_text("route chat")
    expect(app.locator("#metrics-a")).to_contain_text("tokens/s")
    expect(pane(app, "b")).to_contain_text("Could not connect")  # untouched by A's success, and A by B's failure
    expect(app.locator("#metrics-b")).to_contain_text("route – · first token –")  # no route was reached: only the look-up went out
    app.locator("#payload-b").get_by_text("request and response").click()
    assert f"GET {refused}/info" in code_text(app, "request-b")  # the look-up found nothing listening
    assert "No response: ConnectError" in code_text(app, "response-b")
    app.locator("#payload-a").get_by_text("request and response").click()
    assert "/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions" in code_text(app, "request-a")
    shot(app, "compare")

    # The next message carries each side's own history (A's reply, nothing of B's failed turn)
    # and each side's own token: B's private endpoint gets B's, A gets none.
    app.locator("#endpoint-b").get_by_text("Private endpoint").click()
    box.fill(fake.endpoint_url("private-chat"))
    box.press("Tab")
    app.locator("#token-b input").fill(PRIVATE_TOKEN)
    app.locator("#message textarea").fill("And Lyon?")
    app.locator("#send").click()
    for side in ("a", "b"):
        expect(app.locator(f'#chatbot-{side} [data-testid="bot"]')).to_have_count(2)
        expect(pane(app, side)).to_contain_text("Paris is the capital of France.", timeout=10000)
        expect(app.locator(f"#metrics-{side}")).to_contain_text("finish stop", timeout=10000)
    to_b = fake.seen("/endpoints/private-chat/v1/chat/completions")[-1]
    to_a = fake.seen("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions")[-1]
    assert [m["role"] for m in to_a.body["messages"]] == ["user", "assistant", "user"] and [m["role"] for m in to_b.body["messages"]] == ["user"]
    assert to_b.headers.get("authorization") == f"Bearer {PRIVATE_TOKEN}" and "authorization" not in to_a.headers
    assert all(PRIVATE_TOKEN not in r.headers.get("authorization", "") for r in fake.seen("/hf-inference/"))
    assert PRIVATE_TOKEN not in app.content()
    app.locator("#token-b input").fill("")

    # Leaving compare keeps side A's conversation in the one chat.
    app.locator("#compare input").uncheck()
    expect(app.locator('#chatbot [data-testid="bot"]')).to_have_count(2)
    expect(app.locator("#chatbot-a")).to_have_count(0)


def test_stop_in_compare_marks_the_side_still_streaming_and_leaves_the_finished_one(app: Page, fake):
    fake.token_delay = 0.3  # side A: about four seconds
    fake.hold_last = threading.Event()  # and never ended by the endpoint, however slow the machine
    app.locator("#compare input").check()
    app.locator("#endpoint-b").get_by_text("Public endpoint").click()
    box = app.locator("#api-base-b textarea")
    box.fill(f"http://127.0.0.1:{free_port()}")  # side B ends at once, with its error
    app.locator("#message textarea").fill("Tell me about Paris.")
    app.locator("#send").click()
    expect(pane(app, "b")).to_contain_text("Could not connect", timeout=10000)
    expect(pane(app, "a")).to_contain_text("Paris is", timeout=10000)
    app.locator("#stop").click()
    expect(pane(app, "a")).to_contain_text("■ Stopped")
    expect(app.locator("#metrics-a")).to_contain_text("Stopped by you")
    expect(app.locator("#send")).to_be_enabled()
    shown_a = pane(app, "a").inner_text()
    app.wait_for_timeout(1000)  # three more tokens' time
    assert pane(app, "a").inner_text() == shown_a and "parks" not in shown_a
    assert "Stopped" not in pane(app, "b").inner_text()  # B had finished: its error stays as it was
    expect(app.locator("#metrics-b")).not_to_contain_text("Stopped")
    fake.token_delay = 0.0
    fake.hold_last = None
    app.locator("#message textarea").fill("Next")
    app.locator("#send").click()
    expect(app.locator("#metrics-a")).to_contain_text("finish stop", timeout=10000)
    to_a = fake.seen("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions")[-1]
    assert [m["content"] for m in to_a.body["messages"]] == ["Next"]  # the stopped reply is not history


def import_file(page: Page, path) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator("#import").click()
    chooser.value.set_files(str(path))


def test_export_then_import_round_trips_without_the_token_and_replay_sends_again(app: Page, fake, tmp_path):
    choose_kind(app, "Private endpoint", fake.endpoint_url("private-chat"))
    app.locator("#token input").fill(PRIVATE_TOKEN)
    app.get_by_text("Generation settings").click()
    app.locator("#system-prompt textarea").fill("Answer in one sentence.")
    for count, text in enumerate(("Tell me about Paris.", "And Lyon?"), 1):
        app.locator("#message textarea").fill(text)
        app.locator("#send").click()
        expect(app.locator('#chatbot [data-testid="bot"]')).to_have_count(count)  # the turn began (figures reset)
        expect(app.locator("#metrics")).to_contain_text("finish stop", timeout=10000)

    with app.expect_download() as download:
        app.locator("#export").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = saved.read_text()
    assert saved.name.startswith("playground-session-") and saved.suffix == ".json"
    for secret in (PRIVATE_TOKEN, APP_SERVER_TOKEN):
        assert secret not in text
    session = json.loads(text)
    assert session["endpoint"] == {"kind": "private", "model": "meta-llama/Llama-2-7b-chat-hf", "api_base": fake.endpoint_url("private-chat")}
    assert session["generation"]["system_prompt"] == "Answer in one sentence."
    assert "seed" not in fake.seen("/endpoints/private-chat/v1/chat/completions")[-1].body  # the empty seed box sends none
    assert [m["content"] for m in session["conversation"] if m["role"] == "user"] == ["Tell me about Paris.", "And Lyon?"]
    assert [t["status"] for t in session["turns"]] == ["done", "done"]
    assert session["turns"][0]["exchanges"][-1]["request"]["headers"]["authorization"] == "Bearer hf_***"

    # A fresh page, another endpoint: the import restores everything but the token.
    app.reload()
    expect(app.locator("#task")).to_contain_text("Task:", timeout=20000)
    import_file(app, saved)
    expect(app.locator('#chatbot [data-testid="bot"]')).to_have_count(2, timeout=10000)
    expect(app.locator("#api-base textarea")).to_have_value(fake.endpoint_url("private-chat"))
    expect(app.locator("#endpoint input[value=private]")).to_be_checked()
    expect(app.locator("#token input")).to_have_value("")  # typed again, never restored
    app.get_by_text("Generation settings").click()
    expect(app.locator("#system-prompt textarea")).to_have_value("Answer in one sentence.")
    shot(app, "imported")

    # Replay re-sends the user turns, in order, each with the history built so far.
    app.locator("#token input").fill(PRIVATE_TOKEN)
    before = len(fake.seen("/endpoints/private-chat/v1/chat/completions"))
    app.locator("#replay").click()
    expect(app.locator('#chatbot [data-testid="user"]')).to_have_count(2, timeout=10000)
    expect(app.locator('#chatbot [data-testid="bot"]').last).to_contain_text("Paris is the capital", timeout=10000)
    expect(app.locator("#metrics")).to_contain_text("finish stop", timeout=10000)
    replayed = fake.seen("/endpoints/private-chat/v1/chat/completions")[before:]
    assert [[m["role"] for m in r.body["messages"]] for r in replayed] == [["system", "user"], ["system", "user", "assistant", "user"]]
    assert replayed[1].body["messages"][-1]["content"] == "And Lyon?"
    app.locator("#token input").fill("")


def test_a_file_that_is_not_an_export_is_refused_in_the_chat_and_nothing_is_lost(app: Page, fake, tmp_path):
    app.locator("#message textarea").fill("Tell me about Paris.")
    app.locator("#send").click()
    expect(app.locator("#metrics")).to_contain_text("finish stop", timeout=10000)
    notes = tmp_path / "notes.json"
    notes.write_text('{"todo": ["buy milk"]}')
    import_file(app, notes)
    expect(app.locator('#chatbot [data-testid="bot"]').last).to_contain_text(
        "not a session exported from this playground", timeout=10000
    )
    expect(app.locator('#chatbot [data-testid="bot"]').last).to_contain_text("Nothing in this session was changed.")
    expect(app.locator("#chatbot .turn-error")).to_contain_text("Nothing in this session was changed.")  # not read as the reply above
    expect(app.locator('#chatbot [data-testid="bot"]').first).to_contain_text("Paris is the capital")
    # The conversation sent on is the one from before: the refusal is not part of it.
    app.locator("#message textarea").fill("And Lyon?")
    app.locator("#send").click()
    expect(app.locator('#chatbot [data-testid="bot"]')).to_have_count(3, timeout=10000)
    expect(app.locator("#metrics")).to_contain_text("finish stop", timeout=10000)
    sent = fake.seen("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions")[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    shot(app, "import-refused")
