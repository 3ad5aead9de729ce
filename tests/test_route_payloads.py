"""What each route sends, on the wire to the fake: the token on every route of a private
endpoint or the serverless API, a stream asked for as one, OpenAI's extra parameters on
text completions, generation settings named as each task API reads them, and the sentences
for what a route cannot take."""

import pytest

import playground

TOKEN = "hf_fake_private_endpoint_token"
USER_TOKEN = "hf_fake_valid_user_token"
CHAT = [{"role": "system", "content": "Paris is the capital of France."}, {"role": "user", "content": "What is the capital of France?"}]
IMAGE = [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                      {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]


def last_post(fake):
    return [seen for seen in fake.requests if seen.method == "POST"][-1]


@pytest.mark.parametrize(("endpoint", "path"), [("llamacpp-private", "/v1/completions"), ("private-chat", "")])
@pytest.mark.parametrize("stream", [False, True])
def test_text_generation_on_a_private_endpoint_carries_the_token(fake, endpoint, path, stream):
    url = fake.endpoint_url(endpoint)
    answer = playground.completion(model="", messages=CHAT, api_base=url, api_key=TOKEN, task="text-generation", max_tokens=2,
                                   stream=stream)
    text = "".join(chunk.choices[0].delta.get("content") or "" for chunk in answer) if stream else answer.choices[0].message.content
    assert text.strip()
    sent = last_post(fake)
    assert sent.path == f"/endpoints/{endpoint}{path}" and sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["accept"] == ("text/event-stream" if stream else "application/json")


def test_task_models_on_the_serverless_api_carry_the_token_and_the_billed_organisation(fake):
    for model, extra in [("deepset/roberta-base-squad2", {"context": "Paris is the capital of France."}),
                         ("facebook/bart-large-cnn", {}), ("google/flan-t5-base", {})]:
        playground.completion(model=model, messages=CHAT, api_key=USER_TOKEN, bill_to="my-org", **extra)
        sent = last_post(fake)
        assert sent.path == f"/hf-inference/models/{model}" and sent.headers["authorization"] == f"Bearer {USER_TOKEN}"
        assert sent.headers["x-hf-bill-to"] == "my-org"


def test_text_completions_pass_openais_extra_parameters(fake):
    url = fake.endpoint_url("vllm-chat")
    extra = {"logprobs": 2, "n": 1, "logit_bias": {"50256": -100}, "response_format": {"type": "json_object"}}
    playground.completion(model="", messages=CHAT, api_base=url, task="text-generation", max_tokens=2, **extra)
    sent = last_post(fake)
    assert sent.path.endswith("/v1/completions")
    assert {key: sent.body.get(key) for key in extra} == extra
    playground.completion(model="", messages=CHAT, api_base=url, task="text-generation", max_tokens=2, logprobs=True)
    assert "logprobs" not in last_post(fake).body  # chat's logprobs=True has no meaning here: text completions take a number


def test_text2text_models_get_the_generation_settings_by_their_names(fake):
    answer = playground.completion(model="google/flan-t5-base", messages=CHAT, max_tokens=5, temperature=0.5, top_p=0.9)
    assert last_post(fake).body == {"inputs": "What is the capital of France?",
                                    "parameters": {"max_new_tokens": 5, "temperature": 0.5, "top_p": 0.9}}
    assert answer.exchanges[-1].purpose.startswith("text2text-generation")
    playground.completion(model="google/flan-t5-base", messages=CHAT, temperature=0, top_p=1.0)
    assert last_post(fake).body == {"inputs": "What is the capital of France?"}  # nothing to say: no parameters at all


def test_question_answering_says_what_is_missing(fake):
    with pytest.raises(playground.BadRequestError) as caught:
        playground.completion(model="deepset/roberta-base-squad2", messages=CHAT[1:])
    assert str(caught.value) == ('deepset/roberta-base-squad2 answers questions about a passage of text, and none was given: '
                                 'pass it as context="..." or put it in a system message.')
    with pytest.raises(playground.BadRequestError) as caught:
        playground.completion(model="", messages=CHAT[1:], api_base=fake.endpoint_url("qa-container"), task="question-answering")
    assert str(caught.value).startswith("This model answers questions about a passage of text, and none was given: ")
    with pytest.raises(playground.BadRequestError) as caught:
        playground.completion(model="deepset/roberta-base-squad2", messages=[CHAT[0], {"role": "user", "content": "  "}])
    assert str(caught.value) == "The last user message is empty; write the question to ask about the context."
    assert not [seen for seen in fake.requests if seen.method == "POST"]


@pytest.mark.parametrize(("model", "endpoint", "route"), [("facebook/bart-large-cnn", None, "summarization"),
                                                           ("gpt2", None, "text-generation"), ("", "vllm-chat", "text-generation")])
def test_an_image_on_a_text_route_names_the_route(fake, model, endpoint, route):
    url = endpoint and fake.endpoint_url(endpoint)
    with pytest.raises(playground.BadRequestError) as caught:
        playground.completion(model=model, messages=IMAGE, api_base=url, task=None if model else "text-generation")
    assert str(caught.value) == (f"A message carries an image (or other media), which the {route} route cannot take: only a chat "
                                 "route to a vision model can; pick a chat model that reads images, or send text only.")


def test_a_routing_policy_suffix_is_not_a_provider(fake):
    """``:fastest`` and ``:cheapest`` ask the router to choose; they pin no provider, so a
    refusal does not blame a provider called "fastest"."""
    with pytest.raises(playground.BadRequestError) as caught:
        playground.completion(model="acme/not-served:fastest", messages=CHAT, api_key=USER_TOKEN, task="conversational")
    assert str(caught.value).startswith("No provider you have enabled serves acme/not-served:fastest (")


def test_the_hub_look_up_sends_the_token_to_hugging_face_only_and_asks_for_three_fields():
    from playground._prepare import prepare_hub_model

    request = prepare_hub_model(playground.Settings(), "acme/private-model", USER_TOKEN)  # the Hub itself: a private model needs it
    assert request.headers["Authorization"] == f"Bearer {USER_TOKEN}"
    assert request.url == ("https://huggingface.co/api/models/acme/private-model"
                           "?expand=pipeline_tag&expand=tags&expand=inferenceProviderMapping")
    mirror = playground.Settings.from_env({"HF_ENDPOINT": "https://hub-mirror.example"})
    assert "Authorization" not in prepare_hub_model(mirror, "acme/private-model", USER_TOKEN).headers


@pytest.mark.parametrize("url", [42, ["http://127.0.0.1:1"], {"url": "http://127.0.0.1:1"}])
def test_an_endpoint_url_that_is_not_text_is_refused_with_a_sentence(url):
    with pytest.raises(playground.BadRequestError) as caught:
        playground.completion(model="m", messages=CHAT, api_base=url)
    assert str(caught.value) == "'' is not an endpoint URL: give the full http(s) address, e.g. https://xyz.endpoints.huggingface.cloud."


def test_a_task_answer_estimates_its_usage_from_the_text_sent(fake):
    """Task APIs give no usage: it is estimated from the text sent and the answer, and marked so."""
    def usage(text):
        return playground.completion(model="facebook/bart-large-cnn", messages=[{"role": "user", "content": text}],
                                     task="summarization").usage

    short, long = usage("Paris is the capital of France."), usage("Paris is the capital of France. " * 20)
    assert short.estimated and long.estimated
    assert 0 < short.prompt_tokens < long.prompt_tokens and short.completion_tokens > 0 and long.completion_tokens > 0
