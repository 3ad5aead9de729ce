"""What a person sees of today's Hugging Face: Inference Providers and OpenAI-compatible engines."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from browsing import SHOTS, app, bot, browser_context_args, browser_type_launch_args, choose_kind, choose_model, code_text, context, send, shared_context, shot, wait_done  # noqa: F401 (fixtures)

USER_TOKEN = "hf_fake_valid_user_token"


def test_a_vllm_endpoint_says_its_engine_and_the_model_name_it_was_sent(app: Page, fake):
    choose_kind(app, "Public endpoint", fake.endpoint_url("vllm-chat"))
    choose_model(app, "tgi")
    expect(app.locator("#task")).to_contain_text("Engine: vLLM 0.11.0 · serves llama-3-1-8b-instruct-xyz · route: chat", timeout=10000)
    send(app, "Tell me about Paris.")
    wait_done(app)
    expect(bot(app)).to_contain_text("Paris is the capital of France")
    request = code_text(app, "request")
    assert "Note: The endpoint does not serve the model 'tgi'; the request names 'llama-3-1-8b-instruct-xyz'" in request
    assert f"POST {fake.endpoint_url('vllm-chat')}/v1/chat/completions" in request and '"model": "llama-3-1-8b-instruct-xyz"' in request
    shot(app, "vllm-endpoint")


def test_a_providers_chat_shows_who_served_it_and_never_the_token(app: Page, fake):
    choose_model(app, "meta-llama/Llama-3.1-8B-Instruct:cheapest")
    app.locator("#token input").fill(USER_TOKEN)
    app.locator("#token input").press("Tab")
    expect(app.locator("#task")).to_contain_text("Chats with you through Inference Providers", timeout=10000)
    send(app, "Tell me about Paris.")
    wait_done(app)
    expect(bot(app)).to_contain_text("Paris is the capital of France")
    assert fake.seen("/v1/chat/completions")[-1].headers["authorization"] == f"Bearer {USER_TOKEN}"
    assert f"POST {fake.router_url}/v1/chat/completions" in code_text(app, "request")
    app.get_by_role("tab", name="Response").click()
    assert "x-inference-provider: novita" in code_text(app, "response")
    assert USER_TOKEN not in app.content()
    shot(app, "providers-chat")


def test_a_refusal_by_the_router_reads_as_a_sentence_in_the_chat(app: Page, fake):
    choose_model(app, "meta-llama/Llama-3.1-8B-Instruct")
    app.locator("#token input").fill("hf_fake_credits_used_up")
    send(app, "Tell me about Paris.")
    expect(app.locator("#chatbot")).to_contain_text("Your monthly Inference Providers credits are used up", timeout=20000)
    expect(app.locator("#chatbot")).to_contain_text("https://huggingface.co/settings/billing")
    shot(app, "providers-credits")


def starting(text: str) -> re.Pattern:
    """A pattern for a label that starts with ``text`` (escaped for Playwright's selector parser, which takes no "\\ ")."""
    return re.compile("^" + re.sub(r"([.^$*+?{}\[\]\\|()/])", r"\\\1", text))


def test_the_provider_picker_lists_who_serves_the_model_and_the_choice_serves_the_next_turn(app: Page, fake):
    choose_model(app, "meta-llama/Llama-3.1-8B-Instruct")
    app.locator("#token input").fill(USER_TOKEN)
    send(app, "Tell me about Paris.")
    wait_done(app)
    expect(app.locator("#metrics")).to_contain_text("provider cerebras")  # the router's fastest in the fake
    app.locator("#provider input").click()
    def option(starts):
        return app.get_by_role("option", name=starting(starts))

    expect(option("novita · live · $0.02 / $0.05 per 1M tokens in / out · 16,384 tokens of context")).to_have_count(1)
    expect(option("fireworks-ai · error")).to_have_count(1)
    expect(option("cheapest")).to_have_count(1)
    option("together").first.click()
    send(app, "And about Lyon?")
    expect(app.locator("#metrics")).to_contain_text("provider together", timeout=20000)
    assert fake.seen("/v1/chat/completions")[-1].body["model"] == "meta-llama/Llama-3.1-8B-Instruct:together"
    expect(app.locator("#metrics")).to_contain_text("cost ≈ $")
    shot(app, "provider-picker")
    if os.environ.get("UPDATE_README_SCREENSHOT"):
        (SHOTS.parent / "docs").mkdir(exist_ok=True)
        app.screenshot(path=str(SHOTS.parent / "docs" / "screenshot.png"))


def test_a_typed_token_lists_its_endpoints_and_choosing_one_chats_with_it(app: Page, fake):
    app.locator("#token input").fill(USER_TOKEN)
    app.locator("#my-endpoints-refresh").click()
    expect(app.locator("#my-endpoints-status")).to_contain_text("5 endpoints", timeout=10000)
    app.locator("#my-endpoints input").click()
    expect(app.get_by_role("option", name="sleepy-vllm (fake-user) · scaled to zero · meta-llama/Llama-3.1-8B-Instruct · vLLM")).to_have_count(1)
    app.get_by_role("option", name=starting("llama31-vllm")).first.click()
    expect(app.locator("#api-base textarea")).to_have_value(fake.endpoint_url("vllm-chat"))
    expect(app.locator("#endpoint input[value=public]")).to_be_checked()
    expect(app.locator("#my-endpoints-status")).to_contain_text("llama31-vllm is running vLLM")
    expect(app.locator("#task")).to_contain_text("Engine: vLLM 0.11.0", timeout=10000)
    send(app, "Tell me about Paris.")
    wait_done(app)
    expect(bot(app)).to_contain_text("Paris is the capital")
    assert fake.seen("/endpoints/vllm-chat")[-1].path.endswith("/v1/chat/completions")
    expect(app.locator("#metrics")).to_contain_text("engine vLLM 0.11.0")
    for where in ("localStorage", "sessionStorage"):
        assert USER_TOKEN not in app.evaluate(f"() => JSON.stringify(Object.entries({where}))")
    assert USER_TOKEN not in app.content()
    shot(app, "my-endpoints")


def test_a_token_that_cannot_list_endpoints_gets_a_sentence_and_still_chats(app: Page, fake):
    app.locator("#token input").fill("hf_fake_read_only_token")
    app.locator("#my-endpoints-refresh").click()
    expect(app.locator("#my-endpoints-status")).to_contain_text("may not list Inference Endpoints (HTTP 403)", timeout=10000)
    choose_model(app, "deepset/roberta-base-squad2")
    expect(app.locator("#context textarea")).to_be_visible(timeout=10000)


def test_a_tgi_endpoint_shows_its_engine_and_a_model_mismatch_is_warned(app: Page, fake):
    choose_kind(app, "Public endpoint", fake.endpoint_url("public-base"))
    expect(app.locator("#task")).to_contain_text("Engine: TGI 3.2.1 · serves meta-llama/Llama-2-7b-hf", timeout=10000)
    expect(app.locator("#task")).to_contain_text("⚠️ The endpoint serves meta-llama/Llama-2-7b-hf, not meta-llama/Llama-2-7b-chat-hf")
    send(app, "Paris is")
    wait_done(app)
    expect(app.locator("#task")).to_contain_text("last turn: text-generation (no chat template)")
    expect(app.locator("#metrics")).to_contain_text("engine TGI 3.2.1")


@pytest.mark.parametrize(
    "model, token, sentence",
    [
        ("Qwen/Qwen2.5-VL-7B-Instruct", USER_TOKEN, "No provider you have enabled serves this model"),
        ("meta-llama/Llama-3.1-8B-Instruct", "hf_fake_read_only_token", "The token may not call Inference Providers"),
        ("meta-llama/Llama-3.1-8B-Instruct", "hf_fake_credits_used_up", "Your monthly Inference Providers credits are used up"),
    ],
)
def test_router_refusals_read_as_sentences_naming_the_box(app: Page, fake, model, token, sentence):
    choose_model(app, model)
    app.locator("#token input").fill(token)
    send(app, "Tell me about Paris.")
    expect(app.locator("#chatbot")).to_contain_text(sentence, timeout=20000)
    expect(app.locator("#chatbot")).to_contain_text(re.compile("Provider box|Token box"))


def test_an_empty_model_box_takes_the_model_the_endpoint_serves(app: Page, fake):
    choose_kind(app, "Public endpoint", fake.endpoint_url("vllm-chat"))
    field = app.locator("#model input")
    field.fill("")
    field.press("Tab")
    expect(field).to_have_value("llama-3-1-8b-instruct-xyz", timeout=10000)
    expect(app.locator("#task")).to_contain_text("Engine: vLLM 0.11.0 · serves llama-3-1-8b-instruct-xyz")


def test_the_model_box_offers_the_models_inference_providers_serve(app: Page, fake):
    app.locator("#model input").click()
    expect(app.get_by_role("option", name="meta-llama/Llama-3.1-8B-Instruct")).to_have_count(1)
    expect(app.get_by_role("option", name="deepseek-ai/DeepSeek-R1")).to_have_count(1)
    expect(app.get_by_role("option", name="meta-llama/Llama-2-7b-chat-hf")).to_have_count(1)  # the presets stay
    assert len(fake.seen("/v1/models")) >= 1 and all("authorization" not in s.headers for s in fake.seen("/v1/models"))
