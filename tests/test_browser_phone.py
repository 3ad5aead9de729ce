"""The chat at phone size (390x844): the same behaviours as on a desktop, with the settings
in their drawer."""

import re
import threading

import pytest
from playwright.sync_api import Page, expect

from browsing import app, blank, bot, browser_context_args, browser_type_launch_args, context, drawer_folded, open_app, shared_context, shot, wait_done  # noqa: F401 (fixtures)

CHAT_PATH = "/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions"
PHONE = {"width": 390, "height": 844}
OPEN = re.compile(r"\bopen\b")


@pytest.fixture
def phone(blank: Page, app_url) -> Page:
    blank.set_viewport_size(PHONE)
    open_app(blank, app_url)
    drawer_folded(blank)
    return blank


def in_settings(page: Page, action) -> None:
    """Open the drawer, do ``action``, fold the drawer again."""
    page.locator("#settings .toggle-button").click()
    expect(page.locator("#settings")).to_have_class(OPEN)
    action()
    page.locator("#settings .toggle-button").click()
    drawer_folded(page)


def choose_model(page: Page, model: str) -> None:
    field = page.locator("#model input")
    field.fill(model)
    field.press("Enter")
    field.press("Tab")


def test_on_a_phone_enter_sends_and_shift_enter_makes_a_new_line(phone: Page, fake):
    box = phone.locator("#message textarea")
    box.click()
    box.type("first line")
    box.press("Shift+Enter")
    box.type("second line")
    box.press("Enter")
    wait_done(phone)
    assert fake.seen(CHAT_PATH)[-1].body["messages"][-1]["content"] == "first line\nsecond line"
    expect(bot(phone)).to_be_in_viewport()


def test_on_a_phone_stop_marks_the_partial_reply_and_send_comes_back(phone: Page, fake):
    fake.token_delay = 0.3
    fake.hold_last = threading.Event()  # the endpoint never ends the reply itself, however slow the machine
    phone.locator("#message textarea").fill("Tell me about Paris.")
    phone.locator("#send").click()
    expect(bot(phone)).to_contain_text("Paris is", timeout=10000)
    expect(phone.locator("#send")).to_be_disabled()
    phone.locator("#stop").click()
    expect(phone.locator("#chatbot .turn-stopped")).to_be_visible()
    expect(phone.locator("#send")).to_be_enabled()
    fake.token_delay = 0.0
    fake.hold_last = None


def test_on_a_phone_an_example_sends_itself(phone: Page, fake):
    phone.get_by_text("Write a haiku about the sea.").click()
    wait_done(phone)
    assert fake.seen(CHAT_PATH)[-1].body["messages"][-1]["content"] == "Write a haiku about the sea."


def test_on_a_phone_an_error_has_its_own_box_and_retry_sends_again(phone: Page, fake):
    def credits_used_up():
        choose_model(phone, "meta-llama/Llama-3.1-8B-Instruct")
        phone.locator("#token input").fill("hf_fake_credits_used_up")
    in_settings(phone, credits_used_up)
    phone.locator("#message textarea").fill("Tell me about Paris.")
    phone.locator("#send").click()
    expect(phone.locator("#chatbot .turn-error")).to_contain_text("Token box", timeout=20000)
    shot(phone, "phone-error")
    in_settings(phone, lambda: phone.locator("#token input").fill("hf_fake_valid_user_token"))
    phone.locator("#chatbot").get_by_role("button", name="Retry").click()
    expect(bot(phone)).to_contain_text("Paris", timeout=20000)
    expect(phone.locator("#chatbot .turn-error")).to_have_count(0)


def test_on_a_phone_the_context_box_sits_right_above_the_message_box(phone: Page, fake):
    in_settings(phone, lambda: choose_model(phone, "deepset/roberta-base-squad2"))
    context = phone.locator("#context textarea")
    expect(context).to_be_visible(timeout=10000)
    above, box = context.bounding_box(), phone.locator("#message textarea").bounding_box()
    assert above["y"] < box["y"] < above["y"] + above["height"] + 150
    context.fill("The capital of France is Paris.")
    phone.locator("#message textarea").fill("What is the capital of France?")
    phone.locator("#send").click()
    expect(bot(phone)).to_contain_text("score 0.97", timeout=10000)


def test_on_a_phone_compare_keeps_side_b_settings_above_its_pane_and_the_page_short(phone: Page, fake):
    in_settings(phone, lambda: phone.locator("#compare input").check())
    expect(phone.locator("#chatbot-b")).to_be_attached()
    settings_b, pane_b = phone.locator("#endpoint-b").bounding_box(), phone.locator("#chatbot-b").bounding_box()
    assert settings_b["y"] < pane_b["y"] < settings_b["y"] + 700
    height = phone.evaluate("() => document.documentElement.scrollHeight")
    shot(phone, "phone-compare")
    assert height < 3000, height  # was 3,849 px with every setting stacked above the panes
