"""The app as a public Space runs it (SYSTEM=spaces, SPACE_ID, the OAuth variables a Space
with ``hf_oauth: true`` gets, all pointing at local values): the page offers "Sign in with
Hugging Face", and a visitor with neither a sign-in nor a token is asked for one, with
nothing sent and the owner's token untouched. Locally no OAuth route exists."""

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from apprun import AppProcess, free_port
from browsing import bot, browser_context_args, browser_type_launch_args, context, shared_context  # noqa: F401 (fixtures)

OWNER = "hf_ownerSpaceCanaryB7n5M3k1J9h"


def dead_urls() -> dict[str, str]:
    dead = free_port()
    return {"HF_INFERENCE_ENDPOINT": f"http://127.0.0.1:{dead}/hf-inference", "HF_ENDPOINT": f"http://127.0.0.1:{dead}",
            "HF_ROUTER_URL": f"http://127.0.0.1:{dead}", "HF_ENDPOINTS_API_URL": f"http://127.0.0.1:{dead}/v2"}


SPACE = {
    "SYSTEM": "spaces", "SPACE_ID": "someone/playground", "SPACE_HOST": "someone-playground.hf.space",
    "OAUTH_CLIENT_ID": "local-client-id", "OAUTH_CLIENT_SECRET": "local-client-secret",
    "OAUTH_SCOPES": "openid profile inference-api read-repos", "OPENID_PROVIDER_URL": f"http://127.0.0.1:{free_port()}",
    "HF_TOKEN": OWNER,
}


@pytest.fixture(scope="module")
def space_app():
    with AppProcess({**dead_urls(), **SPACE}) as app:
        yield app


def status_of(url: str) -> int:
    request = urllib.request.Request(url, method="GET")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        return opener.open(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_space_offers_sign_in_and_asks_a_visitor_without_one_instead_of_spending_the_owners_credits(page: Page, space_app):
    page.goto(space_app.url)
    expect(page.locator("#message textarea")).to_be_visible(timeout=20000)
    # its accessible name is the icon's alt text, then the label: the label must end it, exactly
    expect(page.get_by_role("button", name=re.compile(r"\bSign in with Hugging Face$"))).to_be_visible()
    expect(page.locator("#token")).to_contain_text("your Hugging Face account if you signed in")
    page.locator("#message textarea").fill("Tell me about Paris.")
    page.locator("#send").click()
    expect(page.locator("#chatbot .turn-error")).to_contain_text("sign in with Hugging Face (the button at the top)", timeout=20000)
    expect(page.locator("#chatbot .turn-error")).to_contain_text("The Local demo works without either")
    assert OWNER[3:] not in page.content()
    page.screenshot(path="test-results/space-sign-in.png", full_page=True)
    page.locator("#endpoint").get_by_text("Local demo").click()  # the Local demo stays available
    page.locator("#message textarea").fill("Hello")
    page.locator("#send").click()
    expect(bot(page)).to_contain_text("canned", timeout=20000)


def test_locally_there_is_no_sign_in_and_no_oauth_route(page: Page):
    with AppProcess({**dead_urls(), "HF_TOKEN": OWNER, "SPACE_ID": "someone/playground"}) as app:  # SPACE_ID alone: not a Space
        assert status_of(app.url + "login/huggingface") == 404  # Gradio's local OAuth mock (which calls hf.co) is never attached
        page.goto(app.url)
        expect(page.locator("#message textarea")).to_be_visible(timeout=20000)
        expect(page.get_by_role("button", name="Sign in with Hugging Face")).to_have_count(0)
