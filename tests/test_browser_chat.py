"""The chat behaves like a chat: Enter sends, the trash icon is Clear, Stop ends the turn
visibly, typing during a stream is kept, Send waits, Replay refuses without a token."""

import re
import threading

from playwright.sync_api import Page, expect

from browsing import app, blank, bot, browser_context_args, browser_type_launch_args, context, open_app, shared_context, shot, wait_done  # noqa: F401 (fixtures)


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


CHAT_PATH = "/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions"


def send_text(app: Page, text: str) -> None:
    app.locator("#message textarea").fill(text)
    app.locator("#send").click()


def test_the_chats_trash_icon_clears_the_history_the_model_gets(app: Page, fake):
    send_text(app, "First question")
    wait_done(app)
    app.locator("#chatbot").get_by_role("button", name="Clear").click()
    expect(app.locator('#chatbot [data-testid="bot"]')).to_have_count(0)
    send_text(app, "Second question")
    wait_done(app)
    sent = fake.seen(CHAT_PATH)[-1].body["messages"]
    assert sent == [{"role": "user", "content": "Second question"}]  # the cleared turn is not sent


def test_stop_ends_the_turn_where_a_person_sees_it(app: Page, fake):
    fake.token_delay = 0.3
    fake.hold_last = threading.Event()  # the endpoint never ends the reply itself, however slow the machine
    expect(app.locator("#stop")).to_be_disabled()  # nothing to stop while idle
    send_text(app, "Tell me about Paris.")
    expect(bot(app)).to_contain_text("Paris is", timeout=10000)
    expect(app.locator("#send")).to_be_disabled()  # one reply at a time
    app.locator("#stop").click()
    expect(bot(app)).to_contain_text("■ Stopped: this partial reply is not sent to the model as history.")
    expect(app.locator("#chatbot .turn-stopped")).to_be_visible()  # its own (amber) look: not part of the reply
    expect(app.locator("#metrics")).to_contain_text("Stopped by you")
    expect(app.locator("#send")).to_be_enabled()
    expect(app.locator("#stop")).to_be_disabled()
    stopped = bot(app).inner_text()
    app.wait_for_timeout(1000)  # three more tokens' time: nothing of the stopped stream comes after the mark
    assert bot(app).inner_text() == stopped
    expect(app.locator("#chatbot .turn-stopped")).to_be_visible()
    shot(app, "stopped")
    fake.token_delay = 0.0
    fake.hold_last = None
    send_text(app, "Next")
    wait_done(app)
    assert [m["content"] for m in fake.seen(CHAT_PATH)[-1].body["messages"]] == ["Next"]  # the stopped turn is left out


def test_clear_during_a_stream_empties_the_chat_for_good(app: Page, fake):
    fake.token_delay = 0.3
    fake.hold_last = threading.Event()  # the endpoint never ends the reply itself, however slow the machine
    send_text(app, "Tell me about Paris.")
    expect(bot(app)).to_contain_text("Paris is", timeout=10000)
    app.locator("#clear").click()
    expect(app.locator('#chatbot [data-testid="bot"]')).to_have_count(0)
    expect(app.locator("#send")).to_be_enabled()
    for _ in range(5):  # the stopped stream's next tokens would have come by now: none shows
        app.wait_for_timeout(300)
        expect(app.locator('#chatbot [data-testid="bot"]')).to_have_count(0)
    for _ in range(50):
        if fake.streams_cut:
            break
        app.wait_for_timeout(100)
    assert fake.streams_cut == 1  # and the endpoint saw the stream cut
    fake.token_delay = 0.0
    fake.hold_last = None
    send_text(app, "Next")
    wait_done(app)
    assert [m["content"] for m in fake.seen(CHAT_PATH)[-1].body["messages"]] == ["Next"]


def test_what_is_typed_during_a_stream_stays_and_a_second_enter_waits(app: Page, fake):
    fake.hold_last = threading.Event()  # the reply streams until the test lets it end
    send_text(app, "Tell me about Paris.")
    expect(bot(app)).to_contain_text("Paris is", timeout=10000)
    box = app.locator("#message textarea")
    box.type("my next question")
    box.press("Enter")  # while the reply still streams
    expect(app.get_by_text("A reply is still coming")).to_be_visible()
    fake.hold_last.set()
    wait_done(app)
    expect(box).to_have_value("my next question")
    assert len(fake.seen(CHAT_PATH)) == 1  # the second Enter sent nothing


def test_replay_without_the_token_it_needs_changes_nothing(app: Page, fake):
    send_text(app, "Tell me about Paris.")
    wait_done(app)
    app.locator("#endpoint").get_by_text("Private endpoint").click()
    app.locator("#api-base textarea").fill(fake.endpoint_url("private-chat"))
    app.locator("#replay").click()
    expect(app.get_by_text("Replay cannot start")).to_be_visible()
    expect(bot(app)).to_contain_text("Paris is the capital of France")  # the answer is still there
    assert fake.seen("/endpoints/private-chat") == [] or all(s.method == "GET" for s in fake.seen("/endpoints/private-chat"))


def test_compare_panes_say_what_they_talk_to_and_side_b_errors_name_its_boxes(app: Page, fake):
    app.locator("#compare input").check()
    app.locator("#endpoint-b").get_by_text("Private endpoint").click()
    app.locator("#api-base-b textarea").fill(fake.endpoint_url("private-chat"))
    send_text(app, "Tell me about Paris.")
    expect(app.locator('#chatbot-b [data-testid="bot"]').last).to_contain_text("side B's Token box", timeout=10000)
    expect(app.locator('#chatbot-a [data-testid="bot"]').last).to_contain_text("Paris is the capital", timeout=10000)
    port = fake.url.rsplit(":", 1)[1]
    expect(app.locator("#chatbot-a")).to_contain_text("Side A · meta-llama/Llama-2-7b-chat-hf · Inference Providers")
    expect(app.locator("#chatbot-b")).to_contain_text(f"Side B · meta-llama/Llama-2-7b-hf · 127.0.0.1:{port}")
    shot(app, "compare-titled")


def test_a_question_answering_model_gets_its_context_box_by_the_message_and_a_score(app: Page, fake):
    field = app.locator("#model input")
    field.fill("deepset/roberta-base-squad2")
    field.press("Enter")
    context = app.locator("#context textarea")
    expect(context).to_be_visible(timeout=10000)
    box = app.locator("#message textarea").bounding_box()
    above = context.bounding_box()
    assert above["y"] < box["y"] < above["y"] + above["height"] + 150  # right above the message box
    context.fill("The capital of France is Paris.")
    send_text(app, "What is the capital of France?")
    expect(app.locator("#metrics")).to_contain_text("score 0.97", timeout=10000)
    expect(bot(app)).to_contain_text("Paris")
    expect(bot(app)).to_contain_text("score 0.97")
    expect(app.locator("#metrics")).not_to_contain_text("tokens/s")  # an answer picked from the passage, not generated
    shot(app, "question-answering")


CONTRAST_JS = """
(els) => els.map((el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c; break; }
    node = node.parentElement;
  }
  bg = bg || [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg)];
  return [el.textContent.trim().slice(0, 40), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
})
"""


def test_help_text_and_figures_are_readable(app: Page, fake):
    texts = app.get_by_text("Sent only to the endpoint above").or_(app.get_by_text("A preset, a model Inference Providers serve"))
    ratios = texts.evaluate_all(CONTRAST_JS)
    assert ratios and all(ratio >= 4.5 for _, ratio in ratios), ratios


TYPED = "hf_shareCanaryR5t8Yu2Io4Pa6Sd"


def test_a_shared_link_opens_the_setup_and_never_carries_a_token(app: Page, fake, app_url):
    app.locator("#endpoint").get_by_text("Public endpoint").click()
    app.locator("#api-base textarea").fill(fake.endpoint_url("vllm-chat"))
    field = app.locator("#model input")
    field.fill("tgi")
    field.press("Enter")
    app.locator("#token input").fill(TYPED)
    app.locator("#share").click()
    link = app.locator("#share-link textarea")
    expect(link).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/\?endpoint=public&model=tgi&api_base="), timeout=10000)
    shared = link.input_value()
    assert TYPED not in shared and "token" not in shared
    app.goto(shared)
    expect(app.locator("#api-base textarea")).to_have_value(fake.endpoint_url("vllm-chat"), timeout=20000)
    expect(app.locator("#model input")).to_have_value("tgi")
    expect(app.locator("#endpoint input[value=public]")).to_be_checked()
    expect(app.locator("#token input")).to_have_value("")
    expect(app.locator("#task")).to_contain_text("Engine: vLLM", timeout=10000)


def test_a_link_with_bad_parameters_ignores_them_with_a_note(blank: Page, app_url):
    app = open_app(blank, app_url + "/?model=gpt2&temperature=9&token=hf_secret_in_link&colour=blue")
    expect(app.locator("#link-note")).to_contain_text("temperature='9' is not a number from 0.0 to 2.0", timeout=20000)
    expect(app.locator("#link-note")).to_contain_text("A link never carries a token")
    expect(app.locator("#link-note")).to_contain_text("'colour' is not a setting of this page")
    expect(app.locator("#model input")).to_have_value("gpt2")
    expect(app.locator("#token input")).to_have_value("")


def test_examples_fit_what_the_model_does(app: Page, fake):
    expect(app.get_by_text("Write a haiku about the sea.")).to_be_visible()  # a chat model
    field = app.locator("#model input")
    field.fill("deepset/roberta-base-squad2")
    field.press("Enter")
    expect(app.get_by_text("Which river does the passage mention?")).to_be_visible(timeout=10000)
    expect(app.get_by_text("Write a haiku about the sea.")).to_have_count(0)
    app.locator("#endpoint").get_by_text("Public endpoint").click()
    app.locator("#api-base textarea").fill(fake.endpoint_url("vllm-base"))
    app.locator("#api-base textarea").press("Tab")
    send_text(app, "Paris is")
    wait_done(app)  # the base model's turn falls back to text generation
    field.fill("meta-llama/Llama-2-7b-hf")
    field.press("Enter")
    expect(app.get_by_text("Once upon a time, in a small village by the sea,")).to_be_visible(timeout=10000)


def test_an_example_sends_itself_when_clicked(app: Page, fake):
    app.get_by_text("Write a haiku about the sea.").click()
    wait_done(app)
    assert fake.seen(CHAT_PATH)[-1].body["messages"][-1]["content"] == "Write a haiku about the sea."
    expect(app.locator('#chatbot [data-testid="user"]')).to_have_text("Write a haiku about the sea.")
    expect(bot(app)).to_contain_text("Paris is the capital")
    expect(app.locator("#message textarea")).to_have_value("")


def test_an_error_has_its_own_look_and_its_retry_arrow_sends_again(app: Page, fake):
    field = app.locator("#model input")
    field.fill("meta-llama/Llama-3.1-8B-Instruct")
    field.press("Enter")
    app.locator("#token input").fill("hf_fake_credits_used_up")
    send_text(app, "Tell me about Paris.")
    error = app.locator("#chatbot .turn-error")
    expect(error).to_contain_text("credits are used up", timeout=20000)
    reply_colour = app.evaluate("() => getComputedStyle(document.querySelector('#chatbot [data-testid=bot] .message-content')).backgroundColor")
    assert error.evaluate("(node) => getComputedStyle(node).backgroundColor") not in (reply_colour, "rgba(0, 0, 0, 0)")
    assert all(ratio >= 4.5 for _, ratio in error.locator("p").evaluate_all(CONTRAST_JS))
    shot(app, "error-bubble")
    app.locator("#token input").fill("hf_fake_valid_user_token")
    app.locator("#chatbot").get_by_role("button", name="Retry").click()
    expect(bot(app)).to_contain_text("Paris", timeout=20000)
    expect(error).to_have_count(0)
    expect(app.locator('#chatbot [data-testid="user"]')).to_have_count(1)  # the same turn again, not a second one


def test_side_b_settings_sit_right_above_its_pane(app: Page, fake):
    app.locator("#compare input").check()
    settings_b, pane_a, pane_b = (app.locator(f"#{name}").bounding_box() for name in ("endpoint-b", "chatbot-a", "chatbot-b"))
    assert settings_b["y"] < pane_b["y"] and abs(settings_b["x"] - pane_b["x"]) < 40
    assert settings_b["x"] > pane_a["x"] + pane_a["width"]  # over side B's pane, not side A's or the settings drawer's
    shot(app, "compare-side-b")


def test_a_long_model_id_stops_before_the_dropdown_arrow(app: Page, fake):
    field = app.locator("#model input")
    field.fill("some-organisation-with-a-long-name/an-even-longer-model-name-Instruct-v0.3-GGUF")
    text_right = field.evaluate("(node) => node.getBoundingClientRect().right - parseFloat(getComputedStyle(node).paddingRight)")
    arrow_left = app.locator("#model .dropdown-arrow").evaluate("(node) => node.getBoundingClientRect().left")
    assert text_right <= arrow_left + 1


def test_the_task_line_says_what_the_model_does_before_any_jargon(app: Page, fake):
    task = app.locator("#task")
    expect(task).to_contain_text("Chats with you")
    first_line = task.locator("p").evaluate("(p) => p.innerText.split('\\n')[0]")
    assert first_line.startswith("Chats with you") and "route" not in first_line and "Task" not in first_line
    details = task.locator(".task-details")
    expect(details).to_contain_text("route: chat")
    assert details.evaluate("(node) => parseFloat(getComputedStyle(node).fontSize)") < task.locator("strong").evaluate(
        "(node) => parseFloat(getComputedStyle(node).fontSize)")
    field = app.locator("#model input")
    field.fill("deepset/roberta-base-squad2")
    field.press("Enter")
    expect(task).to_contain_text("Answers questions about a passage you paste", timeout=10000)
