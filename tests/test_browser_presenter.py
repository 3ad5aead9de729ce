"""The presenter view (a toggle, or ?view=presenter in a link) and the page at phone size:
the chat first, in large type, the settings and the wire one click away, never a token."""

import os
import re

from playwright.sync_api import Page, expect

from browsing import SHOTS, app, blank, bot, browser_context_args, browser_type_launch_args, context, drawer_folded, open_app, shared_context, shot, wait_done  # noqa: F401 (fixtures)

PHONE = {"width": 390, "height": 844}
OPEN = re.compile(r"\bopen\b")
CANARY = "hf_presenterCanaryK3j9Wm2Xq7Lp5"


ONE_LINE = "(selector) => { const p = document.querySelector(selector); return p && p.offsetHeight / parseFloat(getComputedStyle(p).lineHeight) < 1.5; }"


def font_px(page: Page, selector: str) -> float:
    return page.locator(selector).first.evaluate("(node) => parseFloat(getComputedStyle(node).fontSize)")


def test_a_presenter_link_opens_a_chat_in_large_type_with_the_wire_one_click_away(blank: Page, app_url):
    app = open_app(blank, app_url + "/?view=presenter&model=meta-llama/Llama-2-7b-chat-hf")
    expect(app.locator("#presenter input")).to_be_checked(timeout=10000)
    headline = app.locator("#headline")
    expect(headline).to_have_text("Talking to meta-llama/Llama-2-7b-chat-hf on Inference Providers")
    expect(app.locator("#settings")).not_to_have_class(OPEN)  # the settings and their jargon are folded away
    # One plain line, once the drawer has slid away (the page widens as it goes).
    app.wait_for_function(ONE_LINE, arg="#headline p", timeout=5000)
    expect(app.locator("#payload-column")).to_be_hidden()
    expect(app.locator("#intro")).to_be_hidden()
    box = app.locator("#message textarea")
    box.fill("Tell me about Paris.")
    box.press("Enter")
    expect(bot(app)).to_contain_text("Paris is the capital", timeout=20000)
    assert font_px(app, '#chatbot [data-testid="bot"] p') >= 18
    assert font_px(app, "#message textarea") >= 18
    shot(app, "presenter")
    if os.environ.get("UPDATE_README_SCREENSHOT"):
        app.screenshot(path=str(SHOTS.parent / "docs" / "presenter.png"))
    app.locator("#show-wire").click()  # what was sent, on demand
    expect(app.locator("#payload-column")).to_be_visible()
    expect(app.locator("#show-wire")).to_have_text("Hide what was sent")
    expect(app.locator("#request")).to_contain_text('"content": "Tell me about Paris."')
    app.locator("#presenter").click()  # the full view is one click away
    expect(app.locator("#intro")).to_be_visible()
    expect(app.locator("#settings")).to_have_class(OPEN)
    expect(app.locator("#payload-column")).to_be_visible()
    expect(app.locator("#headline")).to_be_hidden()
    assert font_px(app, '#chatbot [data-testid="bot"] p') < 18


def test_the_presenter_view_offers_examples_that_fit_the_model(blank: Page, app_url):
    app = open_app(blank, app_url + "/?view=presenter&model=deepset/roberta-base-squad2")
    expect(app.get_by_text("Which river does the passage mention?")).to_be_visible(timeout=10000)
    expect(app.get_by_text("Write a haiku about the sea.")).to_have_count(0)
    expect(app.locator("#context textarea")).to_be_visible()  # its passage box comes with it


def test_a_phone_gets_the_chat_first_and_the_settings_in_a_drawer(blank: Page, app_url):
    app = blank
    app.set_viewport_size(PHONE)
    open_app(app, app_url)
    drawer_folded(app)
    box = app.locator("#message textarea").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box  # the message box on the first screen
    assert app.locator("#chatbot").bounding_box()["y"] < 300
    shot(app, "phone")
    app.locator("#settings .toggle-button").click()
    expect(app.locator("#endpoint")).to_be_in_viewport()
    app.locator("#endpoint").get_by_text("Local demo").click()
    app.locator("#settings .toggle-button").click()
    drawer_folded(app)
    app.locator("#message textarea").fill("Hello from a phone")
    app.locator("#send").click()
    wait_done(app)
    expect(bot(app)).not_to_have_text("")


def test_the_presenter_view_at_phone_size_keeps_the_message_box_on_screen(blank: Page, app_url):
    app = blank
    app.set_viewport_size(PHONE)
    open_app(app, app_url + "/?view=presenter")
    expect(app.locator("#presenter input")).to_be_checked(timeout=10000)
    drawer_folded(app)
    expect(app.locator("#headline")).to_contain_text("Talking to")
    box = app.locator("#message textarea").bounding_box()
    shot(app, "presenter-phone")
    assert box["y"] + box["height"] <= PHONE["height"], box
    assert font_px(app, "#message textarea") >= 18


def test_presenter_view_and_its_share_link_never_carry_the_token(app: Page, fake, app_url):
    app.locator("#token input").fill(CANARY)
    app.locator("#presenter").click()
    expect(app.locator("#headline")).to_be_visible()
    app.locator("#message textarea").fill("Tell me about Paris.")
    app.locator("#send").click()
    expect(bot(app)).to_contain_text("The token in the Token box was refused", timeout=20000)  # the fake knows no canary
    app.locator("#show-wire").click()
    expect(app.locator("#request")).to_contain_text("Bearer hf_***")  # the wire shows it redacted
    app.locator("#share").click()
    link = app.locator("#share-link textarea")
    expect(link).to_have_value(re.compile(r"view=presenter"), timeout=10000)
    seen = app.evaluate("() => document.documentElement.outerHTML + JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert CANARY[3:] not in seen and CANARY[3:] not in link.input_value()
    app.goto(link.input_value())
    expect(app.locator("#presenter input")).to_be_checked(timeout=20000)
    expect(app.locator("#token input")).to_have_value("")
