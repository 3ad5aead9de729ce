"""Request preparation: URLs, headers, payloads and prompts, with no network."""

import pytest

from playground import BadRequestError, Settings
from playground._prepare import (
    GenerationParams,
    Target,
    check_endpoint_url,
    prepare_chat,
    prepare_question_answering,
    prepare_task,
    prepare_text,
)
from playground._prompt import build_prompt, llama2_prompt, normalize_messages

SETTINGS = Settings()
USER = [{"role": "user", "content": "Hi"}]


def test_default_url_uses_the_router_unless_overridden():
    assert Target.resolve("gpt2", None, SETTINGS).base_url == "https://router.huggingface.co/hf-inference/models/gpt2"
    custom = Settings.from_env({"HF_INFERENCE_ENDPOINT": "http://127.0.0.1:9/hf-inference/"})
    assert Target.resolve("a/b", None, custom).base_url == "http://127.0.0.1:9/hf-inference/models/a/b"


@pytest.mark.parametrize(
    "api_base, chat, root",
    [
        ("https://x.endpoints.huggingface.cloud", "https://x.endpoints.huggingface.cloud/v1/chat/completions", "https://x.endpoints.huggingface.cloud"),
        ("https://x.endpoints.huggingface.cloud/", "https://x.endpoints.huggingface.cloud/v1/chat/completions", "https://x.endpoints.huggingface.cloud"),
        ("https://x.cloud/v1", "https://x.cloud/v1/chat/completions", "https://x.cloud"),
        ("https://x.cloud/v1/", "https://x.cloud/v1/chat/completions", "https://x.cloud"),
        ("https://x.cloud/v1/chat/completions", "https://x.cloud/v1/chat/completions", "https://x.cloud"),
    ],
)
def test_dedicated_urls_never_double_the_openai_suffix(api_base, chat, root):
    target = Target.resolve("m", api_base, SETTINGS)
    assert target.chat_url == chat
    assert target.root_url == root
    assert target.info_url == root + "/info"


@pytest.mark.parametrize("bad", ["ftp://host/x", "not a url", "https://", "https://user:secret@host.cloud", "https://h.cloud/?x=1"])
def test_bad_endpoint_urls_are_refused_with_a_sentence_and_no_secret(bad):
    with pytest.raises(BadRequestError) as caught:
        check_endpoint_url(bad)
    assert "secret" not in str(caught.value)
    assert str(caught.value).endswith(".")


def test_no_token_means_no_authorization_header():
    target = Target.resolve("m", "https://x.cloud", SETTINGS)
    request = prepare_chat(target, normalize_messages(USER), GenerationParams(), None, stream=False)
    assert not any(name.lower() == "authorization" for name in request.headers)
    with_token = prepare_chat(target, normalize_messages(USER), GenerationParams(), "hf_abc", stream=False)
    assert with_token.headers["Authorization"] == "Bearer hf_abc"


def test_openai_parameters_map_per_route():
    params = GenerationParams.from_openai(
        max_tokens=50, temperature=0.7, top_p=0.9, stop="###", seed=3, presence_penalty=0.5, frequency_penalty=0.2,
        extra={"top_k": 40, "repetition_penalty": 1.1, "do_sample": True},
    )
    target = Target.resolve("m", "https://x.cloud", SETTINGS)
    chat = prepare_chat(target, normalize_messages(USER), params, None, stream=True).json
    assert chat == {
        "model": "m", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 50, "temperature": 0.7, "top_p": 0.9,
        "stop": ["###"], "seed": 3, "presence_penalty": 0.5, "frequency_penalty": 0.2, "stream": True,
    }
    text, prompt = prepare_text(target, normalize_messages(USER), params, None, stream=False)
    assert prompt == "Hi"
    assert text.json == {
        "inputs": "Hi",
        "parameters": {
            "max_new_tokens": 50, "temperature": 0.7, "top_p": 0.9, "stop": ["###"], "seed": 3, "frequency_penalty": 0.2,
            "return_full_text": False, "details": True, "top_k": 40, "repetition_penalty": 1.1, "do_sample": True,
        },
        "stream": False,
    }
    assert text.url == "https://x.cloud"


def test_values_tgi_refuses_are_translated():
    params = GenerationParams.from_openai(temperature=0, top_p=1.0)
    target = Target.resolve("m", "https://x.cloud", SETTINGS)
    body, _ = prepare_text(target, normalize_messages(USER), params, None, stream=False)
    assert "temperature" not in body.json["parameters"] and body.json["parameters"]["do_sample"] is False
    assert "top_p" not in body.json["parameters"]


@pytest.mark.parametrize(
    "kwargs",
    [{"max_tokens": 0}, {"max_tokens": "10"}, {"temperature": -1}, {"top_p": 1.5}, {"seed": -2}, {"stop": [1]}, {"frequency_penalty": "x"}],
)
def test_bad_parameter_values_are_refused_before_sending(kwargs):
    with pytest.raises(BadRequestError):
        GenerationParams.from_openai(**kwargs)


def test_question_answering_payload_uses_context_argument_over_system():
    target = Target.resolve("deepset/x", None, SETTINGS)
    messages = normalize_messages([{"role": "system", "content": "sys text"}, {"role": "user", "content": "Who?"}])
    assert prepare_question_answering(target, messages, "given context", None).json == {
        "inputs": {"question": "Who?", "context": "given context"}
    }
    assert prepare_question_answering(target, messages, None, None).json["inputs"]["context"] == "sys text"


@pytest.mark.parametrize(
    "task, body",
    [
        ("summarization", {"inputs": "Long text"}),
        ("translation", {"inputs": "Long text"}),
        ("text-classification", {"inputs": "Long text"}),
        ("text2text-generation", {"inputs": "Long text", "parameters": {"max_new_tokens": 5}}),
    ],
)
def test_task_payloads(task, body):
    target = Target.resolve("m", None, SETTINGS)
    messages = normalize_messages([{"role": "user", "content": "Long text"}])
    assert prepare_task(task, target, messages, GenerationParams(max_tokens=5), None).json == body


def test_default_prompt_is_the_contents_in_order():
    messages = normalize_messages(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "One"}, {"role": "assistant", "content": "Two"},
         {"role": "user", "content": [{"type": "text", "text": "Three"}]}]
    )
    assert build_prompt(messages, "gpt2") == "Be brief.\nOne\nTwo\nThree"


def test_llama2_chat_prompt_is_closed_like_its_chat_template():
    messages = normalize_messages(
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
         {"role": "user", "content": "Name a colour."}]
    )
    expected = "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Name a colour. [/INST]"
    assert build_prompt(messages, "meta-llama/Llama-2-7b-chat-hf") == expected
    assert llama2_prompt(normalize_messages(USER)) == "[INST] Hi [/INST]"


@pytest.mark.parametrize(
    "messages",
    [[], "hello", [{"content": "no role"}], [{"role": "robot", "content": "x"}], [{"role": "system", "content": "only system"}],
     [{"role": "user", "content": 42}]],
)
def test_malformed_messages_are_refused_with_a_sentence(messages):
    with pytest.raises(BadRequestError) as caught:
        normalize_messages(messages)
    assert str(caught.value)[0].isupper() or str(caught.value).startswith("messages")
