"""What a person sees, in real headless Chromium (Debian's package, driven by Playwright)."""

import json
import re
import threading

from playwright.sync_api import Page, expect

from browsing import PRIVATE_TOKEN, SHOTS, app, bot, browser_context_args, browser_type_launch_args, choose_kind, choose_model, code_text, context, send, shared_context, shot, wait_done  # noqa: F401 (fixtures)
from conftest import APP_SERVER_TOKEN
from fakehf import Reply


def test_default_endpoint_streams_and_shows_the_wire(app: Page, fake):
    fake.hold_last = threading.Event()  # the reply's end waits for the test: "Streaming" can be seen however loaded the machine
    send(app, "Tell me about Paris.")
    expect(app.locator("#message textarea")).to_have_value("")  # the box clears after Send
    expect(bot(app)).to_contain_text("Paris is the", timeout=10000)
    expect(app.locator("#metrics")).to_contain_text("Streaming")  # seen while the reply is still coming
    fake.hold_last.set()
    wait_done(app)
    expect(bot(app)).to_have_text(re.compile(r"Paris is the capital of France\. It has museums, cafes and parks"))
    request = code_text(app, "request")
    assert f"POST {fake.inference_url}/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions" in request
    assert '"stream": true' in request and "authorization" not in request.lower()
    app.get_by_role("tab", name="Response").click()
    response = code_text(app, "response")
    assert response.splitlines()[1] == "HTTP 200" and 'data: {"object":"chat.completion.chunk"' in response.replace('"id":"",', '')
    expect(app.locator("#metrics")).to_contain_text("route chat")
    shot(app, "default-endpoint")


def test_public_endpoint_with_a_base_model_falls_back_to_text_generation(app: Page, fake):
    choose_kind(app, "Public endpoint", fake.endpoint_url("public-base"))
    choose_model(app, "meta-llama/Llama-2-7b-hf")
    expect(app.locator("#task")).to_contain_text("text-generation", timeout=10000)
    send(app, "Paris is")
    wait_done(app)
    expect(bot(app)).to_contain_text("Paris is the capital")
    request = code_text(app, "request")
    # /info was read when the URL was entered (the task shown); the turn: chat, then the fallback
    assert "### 1 of 2: chat" in request and "### 2 of 2: fallback to text-generation (no chat template)" in request
    assert '"return_full_text": false' in request
    expect(app.locator("#metrics")).to_contain_text("route text-generation")


def test_private_endpoint_sends_the_typed_token_and_never_shows_it(app: Page, fake):
    choose_kind(app, "Private endpoint", fake.endpoint_url("private-chat"))
    app.locator("#token input").fill(PRIVATE_TOKEN)
    send(app, "Tell me about Paris.")
    wait_done(app)
    expect(bot(app)).to_contain_text("Paris is the capital of France")
    assert {c.headers["authorization"] for c in fake.seen("/endpoints/private-chat")} == {f"Bearer {PRIVATE_TOKEN}"}
    request = code_text(app, "request")
    assert "authorization: Bearer hf_***" in request and PRIVATE_TOKEN not in request
    app.get_by_role("tab", name="Code").click()
    for choice in ("Python (playground)", "curl", "InferenceClient"):
        app.locator("#code-lang").get_by_text(choice).click()
        expect(app.locator("#code")).to_contain_text("HF_TOKEN")
        assert PRIVATE_TOKEN not in code_text(app, "code")
    html = app.content()
    storage = app.evaluate("() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])")
    for secret in (PRIVATE_TOKEN, APP_SERVER_TOKEN):
        assert secret not in html and secret not in storage
    app.locator("#token input").fill("")  # not kept for the screenshot
    shot(app, "private-endpoint")


def test_question_answering_model_asks_for_context(app: Page, fake):
    choose_model(app, "deepset/deberta-v3-large-squad2")
    expect(app.locator("#task")).to_contain_text("question-answering", timeout=10000)
    context = app.locator("#context textarea")
    expect(context).to_be_visible()
    context.fill("The capital of France is Paris. It lies on the Seine.")
    send(app, "What is the capital of France?")
    wait_done(app)
    expect(bot(app)).to_have_text(re.compile(r"^\s*Paris\s+score 0\.97\s*$"))  # the answer, and how sure the model is
    assert json.loads(fake.seen("/hf-inference/")[-1].body and json.dumps(fake.seen("/hf-inference/")[-1].body))["inputs"] == {
        "question": "What is the capital of France?", "context": "The capital of France is Paris. It lies on the Seine."
    }
    shot(app, "question-answering")


def test_errors_read_as_sentences_with_the_raw_body_beside(app: Page, fake):
    choose_kind(app, "Private endpoint", fake.endpoint_url("private-chat"))
    send(app, "Hello?")
    expect(bot(app)).to_contain_text("A private endpoint needs a token", timeout=10000)
    assert fake.seen("/endpoints/private-chat/v1") == []  # refused before sending

    app.locator("#endpoint").get_by_text("Default").click()
    fake.script("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions",
                Reply(429, {"error": "Rate limit reached. Please log in or use a HF access token"}, headers={"retry-after": "30"}))
    send(app, "Tell me about Paris.")
    expect(bot(app)).to_contain_text("Too many requests", timeout=10000)
    expect(bot(app)).to_contain_text("wait 30 s")
    assert "Traceback" not in app.locator("#chatbot").inner_text()
    app.get_by_role("tab", name="Response").click()
    assert "HTTP 429" in code_text(app, "response") and "Rate limit reached" in code_text(app, "response")
    shot(app, "error")


def test_stop_cancels_the_request_upstream_and_keeps_the_text(app: Page, fake):
    fake.token_delay = 0.4  # 14 tokens: more than five seconds if nothing stops it
    fake.hold_last = threading.Event()  # and never ended by the endpoint, however slow the machine
    send(app, "Tell me about Paris.")
    expect(bot(app)).to_contain_text("Paris", timeout=10000)
    app.locator("#stop").click()
    for _ in range(50):
        if fake.streams_cut:
            break
        app.wait_for_timeout(100)
    assert fake.streams_cut == 1  # the endpoint saw the client go: generation stops there
    expect(bot(app)).to_contain_text("■ Stopped")
    shown = bot(app).inner_text()
    app.wait_for_timeout(1000)
    assert bot(app).inner_text() == shown and "parks" not in shown  # nothing more arrives
    assert shown.strip().startswith("Paris")


def test_retry_resends_the_last_message_and_clear_empties_everything(app: Page, fake):
    fake.script("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions",
                Reply(500, {"error": "Request failed during generation: CUDA out of memory", "error_type": "generation"}))
    send(app, "Tell me about Paris.")
    expect(bot(app)).to_contain_text("failed while answering", timeout=10000)
    app.locator("#retry").click()
    wait_done(app)
    expect(bot(app)).to_contain_text("Paris is the capital")
    expect(app.locator('#chatbot [data-testid="user"]')).to_have_count(1)  # the failed turn was replaced
    sent = fake.seen("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions")
    assert sent[-1].body["messages"] == [{"role": "user", "content": "Tell me about Paris."}]  # the failure is not history
    send(app, "And Lyon?")
    expect(app.locator('#chatbot [data-testid="bot"]')).to_have_count(2)
    wait_done(app)
    assert [m["role"] for m in fake.seen("/hf-inference/")[-1].body["messages"]] == ["user", "assistant", "user"]
    app.locator("#clear").click()
    expect(app.locator('#chatbot [data-testid="bot"]')).to_have_count(0)
    expect(app.locator("#metrics")).to_contain_text("No turn yet")


def test_a_loading_model_shows_a_countdown_then_answers(app: Page, fake):
    fake.script("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions",
                Reply(503, {"error": "Model meta-llama/Llama-2-7b-chat-hf is currently loading", "estimated_time": 3.0}))
    send(app, "Tell me about Paris.")
    # The countdown's first figure is shown for a second: a loaded machine may draw it first at 2 s.
    expect(bot(app)).to_contain_text(re.compile(r"is loading on the endpoint: about [23] s left"), timeout=10000)
    expect(bot(app)).to_contain_text("about 1 s left", timeout=5000)  # it counts down
    expect(app.locator("#metrics")).to_contain_text("Waiting for the model to load")
    assert "HTTP 503" in (app.get_by_role("tab", name="Response").click() or code_text(app, "response"))  # the 503 is shown
    shot(app, "loading")
    wait_done(app)
    expect(bot(app)).to_contain_text("Paris is the capital")
    assert "retry after the model loaded" in code_text(app, "request")


def test_local_demo_works_offline_and_says_it_is_canned(app: Page, fake):
    app.locator("#endpoint").get_by_text("Local demo").click()
    expect(app.locator("#token input")).to_have_count(0)  # no token, no URL: nothing to fill in
    expect(app.locator("#api-base textarea")).to_have_count(0)
    expect(app.locator("#task")).to_contain_text("every reply is canned", timeout=10000)
    expect(app.locator("#model")).to_contain_text("Local demo: any model id works; no model runs here")  # its catalogue is canned too
    expect(app.locator("#provider")).to_have_count(0)  # no Inference Providers here
    fake.requests.clear()  # the page's first look-up was for the Default endpoint
    send(app, "What can this playground show me?")
    wait_done(app)
    expect(bot(app)).to_contain_text("Local demo: a canned reply, no model ran.")
    assert "/v1/chat/completions" in code_text(app, "request") and "127.0.0.1" in code_text(app, "request")
    assert fake.requests == []  # nothing left the app's own process
    shot(app, "local-demo")
