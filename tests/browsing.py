"""Fixtures and helpers of the browser tests (real headless Chromium, Debian's package, driven by Playwright)."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError, Page, expect


CHROMIUM = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "test-results"
PRIVATE_TOKEN = "hf_fake_private_endpoint_token"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: install it (apt-get install -y chromium) or set PLAYGROUND_CHROMIUM.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1500, "height": 1000}}


@pytest.fixture(scope="session")
def shared_context(browser, browser_context_args):
    """One browser context for the session: each test's page loads the app's scripts from its
    cache instead of over the wire again (a page load is most of a browser test's time)."""
    context = browser.new_context(**browser_context_args)
    yield context
    context.close()


@pytest.fixture
def context(shared_context):
    """Each test its own page in the shared context, and nothing of it left for the next one:
    its pages closed with their storage cleared, and every cookie dropped."""
    yield shared_context
    for page in shared_context.pages:
        try:
            if page.url.startswith("http"):
                page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        except PlaywrightError:
            pass  # a page mid-navigation has no storage to clear yet
        page.close()
    shared_context.clear_cookies()


def open_app(page: Page, url: str) -> Page:
    """``page`` at ``url``, once the app has drawn its message box."""
    page.goto(url)
    expect(page.locator("#message textarea")).to_be_visible(timeout=20000)
    return page


@pytest.fixture
def blank(page: Page, fake) -> Page:
    """A page that has not opened the app yet, for a test that opens it at its own address or size."""
    return page


@pytest.fixture
def app(page: Page, app_url, fake):
    open_app(page, app_url)
    expect(page.locator("#task")).to_contain_text("Task:", timeout=10000)  # the first look-up finished
    return page


def code_text(page: Page, elem_id: str) -> str:
    """A gr.Code's whole text (CodeMirror renders only the visible lines)."""
    page.locator(f"#{elem_id} .cm-content").wait_for(state="attached")  # e.g. just after an accordion opens
    return page.evaluate(f"() => document.querySelector('#{elem_id} .cm-content').cmTile.view.state.doc.toString()")


def send(page: Page, text: str) -> None:
    page.locator("#message textarea").fill(text)
    page.locator("#send").click()


def wait_done(page: Page) -> None:
    expect(page.locator("#metrics")).to_contain_text("finish", timeout=20000)


def bot(page: Page):
    return page.locator('#chatbot [data-testid="bot"]').last


def choose_kind(page: Page, label: str, url: str) -> None:
    page.locator("#endpoint").get_by_text(label).click()
    box = page.locator("#api-base textarea")
    expect(box).to_be_visible()
    box.fill(url)
    box.press("Tab")


def choose_model(page: Page, model: str) -> None:
    field = page.locator("#model input")
    field.fill(model)
    field.press("Enter")
    page.locator("#message textarea").click()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


FOLDED = """() => {
  const drawer = document.querySelector("#settings");
  const parent = document.querySelector(".sidebar-parent");
  return drawer && !drawer.classList.contains("open") && (!parent || parseFloat(getComputedStyle(parent).paddingLeft) === 0);
}"""


def drawer_folded(page: Page) -> None:
    """Wait until the settings drawer is folded and the page has stopped sliding (its width settles)."""
    page.wait_for_function(FOLDED, timeout=10000)
    page.wait_for_timeout(350)  # the slide's transition
