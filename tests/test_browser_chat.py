"""The chat behaves like a chat: Enter sends, the trash icon is Clear, Stop ends the turn
visibly, typing during a stream is kept, Send waits, Replay refuses without a token."""

from playwright.sync_api import Page, expect

from browsing import app, bot, browser_context_args, browser_type_launch_args, wait_done  # noqa: F401 (fixtures)


def test_enter_sends_and_shift_enter_makes_a_new_line(app: Page, fake):
    box = app.locator("#message textarea")
    box.click()
    box.type("first line")
    box.press("Shift+Enter")
    box.type("second line")
    expect(box).to_have_value("first line\nsecond line")
    assert fake.seen("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions") == []
    box.press("Enter")
    wait_done(app)
    expect(bot(app)).to_contain_text("Paris is the capital")
    sent = fake.seen("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions")[-1]
    assert sent.body["messages"][-1]["content"] == "first line\nsecond line"
    expect(box).to_have_value("")
