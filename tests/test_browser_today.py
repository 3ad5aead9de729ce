"""What a person sees of today's Hugging Face: Inference Providers and OpenAI-compatible engines."""

from playwright.sync_api import Page, expect

from browsing import app, bot, browser_context_args, browser_type_launch_args, choose_kind, choose_model, code_text, send, shot, wait_done  # noqa: F401 (fixtures)

USER_TOKEN = "hf_fake_valid_user_token"


def test_a_vllm_endpoint_says_its_engine_and_the_model_name_it_was_sent(app: Page, fake):
    choose_kind(app, "Public endpoint", fake.endpoint_url("vllm-chat"))
    choose_model(app, "tgi")
    expect(app.locator("#task")).to_contain_text("Engine: vLLM (from the endpoint's /v1/models) · route: chat", timeout=10000)
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
    expect(app.locator("#task")).to_contain_text("Chat through Inference Providers · route: chat", timeout=10000)
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
