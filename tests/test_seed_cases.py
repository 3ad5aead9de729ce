"""The three cases of the seed, written as a LiteLLM user writes them, with only the import changed."""


import pytest

import playground
from playground import completion

QUESTION = [
    {"role": "system", "content": "The capital of France is Paris. It lies on the Seine."},
    {"role": "user", "content": "What is the capital of France?"},
]
CHAT = [{"role": "user", "content": "Tell me about Paris."}]


def test_default_endpoint_question_answering(fake):
    r = completion(model="deepset/deberta-v3-large-squad2", messages=QUESTION, custom_llm_provider="huggingface")

    assert r.choices[0].message.content == "Paris"
    assert r["choices"][0]["message"]["content"] == "Paris"
    sent = fake.seen("/hf-inference/")[-1]
    assert sent.path == "/hf-inference/models/deepset/deberta-v3-large-squad2"
    assert sent.body == {"inputs": {"question": "What is the capital of France?", "context": QUESTION[0]["content"]}}
    assert r.route == "question-answering"


def test_default_endpoint_question_answering_without_context_sends_nothing(fake):
    with pytest.raises(playground.BadRequestError, match="context="):
        completion(
            model="deepset/deberta-v3-large-squad2",
            messages=[{"role": "user", "content": "What is the capital of France?"}],
            custom_llm_provider="huggingface",
        )
    assert fake.seen("/hf-inference/") == []


def test_public_dedicated_endpoint_base_model(fake):
    r = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, api_base=fake.endpoint_url("public-base"))

    content = r.choices[0].message.content
    assert content.strip().startswith("Paris is the capital")
    assert not content.startswith("Tell me about Paris.")  # the prompt is not echoed back
    text_call = fake.seen("/endpoints/public-base")[-1]
    assert text_call.path == "/endpoints/public-base"  # the URL as given
    assert text_call.body["inputs"] == "Tell me about Paris."
    assert text_call.body["parameters"]["return_full_text"] is False
    assert r.route == "text-generation"


@pytest.mark.parametrize("how", ["HF_TOKEN", "huggingface_key", "api_key"])
def test_private_dedicated_endpoint_token_three_ways(fake, monkeypatch, how):
    token = "hf_fake_private_endpoint_token"
    kwargs = {}
    if how == "HF_TOKEN":
        monkeypatch.setenv("HF_TOKEN", token)  # as the seed sets it, and undone after the test
    elif how == "huggingface_key":
        playground.huggingface_key = token
    else:
        kwargs["api_key"] = token

    r = completion(model="meta-llama/Llama-2-7b-chat-hf", messages=CHAT, api_base=fake.endpoint_url("private-chat"), **kwargs)

    assert "Paris is the capital of France" in r.choices[0].message.content
    assert all(seen.headers["authorization"] == f"Bearer {token}" for seen in fake.seen("/endpoints/private-chat"))
    assert r.route == "chat"


def test_private_endpoint_without_token_says_how_to_give_one(fake):
    with pytest.raises(playground.AuthenticationError) as caught:
        completion(model="meta-llama/Llama-2-7b-chat-hf", messages=CHAT, api_base=fake.endpoint_url("private-chat"))
    assert "HF_TOKEN" in str(caught.value) and caught.value.status_code == 401
    assert all("authorization" not in seen.headers for seen in fake.seen("/endpoints/private-chat"))
