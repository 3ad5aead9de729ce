"""What a server's reply turns into, field by field, on the paths the other files pass over:

* a text completion (``/v1/completions`` of vLLM / llama.cpp) keeps the server's id, model,
  creation time, fingerprint and token counts, and falls back to ours (an estimate for the
  counts) where the server gave none; a reply that is not one is a sentence, not a crash;
* a chat message's extra OpenAI fields (``refusal``, ``function_call``, ``reasoning_content``,
  a provider's ``reasoning``) reach the answer;
* a whole answer sent back to a stream request reads as a stream: the role and the text or
  tool calls (each with its index) in one chunk, then the finish reason and the usage;
* an error event inside a stream is a typed error whose sentence says where it stopped,
  what the server said and what to do, with the status, the server's words and the exchange.
"""

import json
import time
from email.utils import formatdate

import pytest

import playground
from fakehf import PROVIDER_RECORDED, RECORDED, Reply, recorded
from playground import completion
from playground._mapping import read_hf_error

CHAT = [{"role": "user", "content": "Tell me about Paris."}]
TOKEN = "hf_fake_valid_user_token"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"
ROUTER_CHAT = "/v1/chat/completions"
TOOL_CALL = PROVIDER_RECORDED["router-provider-route-together-tool-call-200"]["response"]["body"]


def text_of(chunks):
    return "".join(c.choices[0].delta.content or "" for c in chunks)


# --- text completions (/v1/completions) ------------------------------------------------


def test_a_text_completion_keeps_the_servers_id_model_time_fingerprint_and_counts(fake):
    url = fake.endpoint_url("llamacpp-chat")
    fake.script("/endpoints/llamacpp-chat/v1/completions", Reply(200, {
        "choices": [{"text": " Paris is the", "index": 0, "logprobs": None, "finish_reason": "length"}],
        "created": 1767665333, "model": "meta-llama/Llama-2-7b-chat-hf", "system_fingerprint": "b1-0c1e570",
        "object": "text_completion", "usage": {"completion_tokens": 3, "prompt_tokens": 6, "total_tokens": 9},
        "id": "chatcmpl-5Jx2bYqYHkVrBvUZ7Jd8wQ1cXy4Lm0Pa",
    }))
    r = completion(model="tgi", messages=CHAT, api_base=url, task="text-generation", max_tokens=3)
    assert r.route == "text-generation" and fake.seen("/endpoints/llamacpp-chat")[-1].path.endswith("/v1/completions")
    assert (r.id, r.created, r.model, r.system_fingerprint) == (
        "chatcmpl-5Jx2bYqYHkVrBvUZ7Jd8wQ1cXy4Lm0Pa", 1767665333, "meta-llama/Llama-2-7b-chat-hf", "b1-0c1e570")
    assert r.choices[0].message.content == " Paris is the" and r.choices[0].finish_reason == "length"
    assert r.usage == {"prompt_tokens": 6, "completion_tokens": 3, "total_tokens": 9} and not r.usage.estimated


def test_a_text_completion_without_id_time_model_or_usage_gets_ours_and_an_estimate(fake):
    url = fake.endpoint_url("vllm-chat")
    fake.script("/endpoints/vllm-chat/v1/completions", Reply(200, {  # TGI's recorded chat answer says "id": ""
        "id": "", "object": "text_completion", "created": "2026-01-06T02:08:53Z",
        "choices": [{"index": 0, "text": " Paris is the", "logprobs": None, "finish_reason": "length"}],
    }))
    r = completion(model="tgi", messages=CHAT, api_base=url, task="text-generation", max_tokens=3)
    assert fake.seen("/endpoints/vllm-chat")[-1].body["prompt"] == "Tell me about Paris."
    assert r.id.startswith("chatcmpl-") and len(r.id) == len("chatcmpl-") + 24
    assert isinstance(r.created, int) and r.created > 1_700_000_000
    assert r.model == "tgi" and r.system_fingerprint is None  # the name asked for
    # About four characters a token: 20 of prompt, 13 of answer.
    assert r.usage == {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8, "estimated": True} and r.usage.estimated


def test_a_reply_that_is_not_a_text_completion_says_so_with_what_the_server_said(fake):
    url = fake.endpoint_url("vllm-chat")
    fake.script("/endpoints/vllm-chat/v1/completions", Reply(200, "upstream connect error or disconnect/reset before headers", "text/plain"))
    with pytest.raises(playground.APIError) as caught:
        completion(model="tgi", messages=CHAT, api_base=url, task="text-generation")
    error = caught.value
    assert type(error) is playground.APIError and error.status_code == 200 and error.model == "tgi"
    assert str(error) == (
        "The endpoint's reply is not a text completion (upstream connect error or disconnect/reset before headers): "
        "check that the URL points at a model server of that kind; the full reply is in the payload view."
    )
    assert error.exchange is not None and error.exchange.status == 200 and error.exchange.url.endswith("/v1/completions")


# --- chat message fields beyond the content -----------------------------------------------


def test_a_refusal_and_a_legacy_function_call_reach_the_message(fake):
    fake.script(ROUTER_CHAT, Reply(200, {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion", "created": 1741569952, "model": "gpt-oss-120b",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": None, "refusal": "I'm sorry, I can't help with that."},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29},
    }), Reply(200, {
        "id": "chatcmpl-abc123", "object": "chat.completion", "created": 1699896916, "model": "gpt-oss-120b",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": None,
                                             "function_call": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
                     "logprobs": None, "finish_reason": "function_call"}],
        "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99},
    }))
    r = completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN)
    assert r.choices[0].message.refusal == "I'm sorry, I can't help with that." and r.choices[0].message.content == ""
    r = completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN)
    call = r.choices[0].message.function_call
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Paris"})
    assert r.choices[0].finish_reason == "function_call"


def test_reasoning_content_reaches_the_message_and_wins_over_a_providers_reasoning(fake):
    url = fake.endpoint_url("vllm-chat")

    def answer(message):
        return Reply(200, {"id": "chatcmpl-9a1", "object": "chat.completion", "created": 1767665333, "model": "llama-3-1-8b-instruct-xyz",
                           "choices": [{"index": 0, "message": {"role": "assistant", **message}, "logprobs": None, "finish_reason": "stop"}],
                           "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}})

    fake.script("/endpoints/vllm-chat/v1/chat/completions",
                answer({"content": "Paris.", "reasoning_content": "The user asks about Paris.", "tool_calls": []}),
                answer({"content": "Paris.", "reasoning_content": "The user asks about Paris.", "reasoning": "Paris: a city."}))
    for _ in range(2):
        r = completion(model="tgi", messages=CHAT, api_base=url)
        assert (r.choices[0].message.content, r.choices[0].message.reasoning_content) == ("Paris.", "The user asks about Paris.")


# --- a whole answer to a stream request -------------------------------------------------


def test_a_whole_tool_call_answer_to_a_stream_request_reads_as_two_chunks(fake):
    fake.script(ROUTER_CHAT, Reply(200, TOOL_CALL))  # recorded: together answered JSON
    chunks = list(completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, stream=True))
    common = {"id": "oS9Xt2L-3pDw3Z-9b97ab8bcfbbe5fe", "object": "chat.completion.chunk", "created": 1767665333,
              "model": "meta-llama/Llama-4-Scout-17B-16E-Instruct"}
    assert [c.model_dump() for c in chunks] == [
        {**common, "choices": [{"index": 0, "finish_reason": None, "delta": {"role": "assistant", "content": "", "tool_calls": [
            {"index": 0, "id": "call_f7631c2901964a6db675853a", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]}}]},
        {**common, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
         "usage": {"prompt_tokens": 616, "completion_tokens": 7, "total_tokens": 623}},
    ]


def test_tool_calls_of_a_whole_answer_streamed_carry_their_index(fake):
    body = json.loads(json.dumps(TOOL_CALL))
    calls = body["choices"][0]["message"]["tool_calls"]
    calls.append({**calls[0], "id": "call_2", "function": {"name": "get_weather", "arguments": "{\"city\": \"Lyon\"}"}})
    for call in calls:
        del call["index"]  # as OpenAI's whole answers: no index
    fake.script(ROUTER_CHAT, Reply(200, body))
    first = list(completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, stream=True))[0]
    assert [(p.index, p.id, json.loads(p.function.arguments)["city"]) for p in first.choices[0].delta.tool_calls] == [
        (0, "call_f7631c2901964a6db675853a", "Paris"), (1, "call_2", "Lyon")]


def test_a_task_answer_streamed_has_the_role_first_and_the_usage_last(fake):
    chunks = list(completion(model="deepset/deberta-v3-large-squad2", messages=CHAT, context="The capital of France is Paris.", stream=True))
    assert len(chunks) == 2
    assert dict(chunks[0].choices[0].delta) == {"role": "assistant", "content": "Paris"} and chunks[0].usage is None
    assert chunks[1].choices[0].finish_reason == "stop" and dict(chunks[1].choices[0].delta) == {}
    assert chunks[1].usage.total_tokens == chunks[1].usage.prompt_tokens + chunks[1].usage.completion_tokens > 0
    assert chunks[0].id == chunks[1].id and chunks[0].created == chunks[1].created


# --- error events inside a stream ---------------------------------------------------------

TEXT_PATH = "/hf-inference/models/meta-llama/Llama-2-7b-hf"
TWO_TOKENS = (
    'data:{"index":1,"token":{"id":1,"text":" Hello","logprob":-0.1,"special":false},"generated_text":null,"details":null}\n\n'
    'data:{"index":2,"token":{"id":2,"text":" world","logprob":-0.1,"special":false},"generated_text":null,"details":null}\n\n'
)


def stream_error(fake, body):
    fake.script(TEXT_PATH, Reply(200, body, "text/event-stream"))
    stream = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, stream=True, task="text-generation")
    received = []
    with pytest.raises(playground.APIError) as caught:
        for chunk in stream:
            received.append(chunk)
    error = caught.value
    assert error.model == "meta-llama/Llama-2-7b-hf" and error.exchange is stream.exchanges[-1] and error.exchange.is_stream
    return error, text_of(received)


def test_an_error_event_of_no_known_type_is_an_api_error_500_saying_try_again(fake):
    event = 'data:{"error":{"message":"Internal server error","type":"server_error"}}\n\n'  # OpenAI's form
    error, shown = stream_error(fake, TWO_TOKENS + event)
    assert shown == " Hello world"
    assert type(error) is playground.APIError and error.status_code == 500
    assert (error.hf_error, error.error_type) == ("Internal server error", "server_error")
    assert str(error) == "The endpoint stopped with an error after 12 characters (Internal server error): try again."


def test_an_error_event_saying_nothing_before_any_text_says_no_detail_given(fake):
    error, shown = stream_error(fake, 'data:{"error":"","error_type":"generation"}\n\n')
    assert shown == "" and type(error) is playground.InternalServerError and error.status_code == 500 and error.hf_error is None
    assert str(error) == "The endpoint stopped with an error before any text (no detail given): try again."


def test_a_validation_error_event_says_to_shorten_the_request(fake):
    error, _ = stream_error(fake, recorded("tg_stream_validation_error_in_sse").body)
    said = "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8192. Given: 18 `inputs` tokens and 10000 `max_new_tokens`"
    assert type(error) is playground.ContextWindowExceededError and error.status_code == 422
    assert (error.hf_error, error.error_type) == (said, "validation")
    assert str(error) == f"The endpoint stopped with an error before any text ({said}): lower max_tokens or shorten the conversation."
    error, _ = stream_error(fake, TWO_TOKENS + 'data:{"error":"Input validation error: `inputs` must have less than 4096 tokens. Given: 5000","error_type":"validation"}\n\n')
    assert type(error) is playground.BadRequestError and error.status_code == 422
    assert str(error) == ("The endpoint stopped with an error after 12 characters (Input validation error: `inputs` must have less than 4096 "
                          "tokens. Given: 5000): lower max_tokens or shorten the conversation.")
    error, _ = stream_error(fake, 'data:{"error":"Model is overloaded","error_type":"overloaded"}\n\n')
    assert type(error) is playground.RateLimitError and error.status_code == 429
    assert str(error) == "The endpoint stopped with an error before any text (Model is overloaded): try again."


# --- text generation and task answers -------------------------------------------------------


def test_a_text_answer_that_repeats_the_prompt_is_cut_and_counts_come_from_the_headers_or_details(fake):
    path = "/hf-inference/models/gpt2"
    prompt = "Tell me about Paris."
    fake.script(path,
                Reply(200, [{"generated_text": prompt + " Paris is the"}], headers={"x-generated-tokens": "3", "x-prompt-tokens": "5"}),
                Reply(200, RECORDED["tg_details_true"]["response"]["body"]),  # details, no headers
                Reply(200, [{"generated_text": " Paris is the", "details": {"finish_reason": "length", "generated_tokens": "3"}}]),
                Reply(200, [{"generated_text": " Paris is the", "details": {"finish_reason": "length", "generated_tokens": 1}}],
                      headers={"x-generated-tokens": "3"}))
    r = completion(model="gpt2", messages=CHAT)
    assert (r.model, r.route, r.task) == ("gpt2", "text-generation", "text-generation")
    assert r.choices[0].message.content == " Paris is the"  # a backend that ignored return_full_text=false
    assert r.usage == {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8} and not r.usage.estimated
    r = completion(model="gpt2", messages=CHAT)
    assert r.choices[0].message.content == "" and r.choices[0].finish_reason == "length"
    assert r.usage == {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6, "estimated": True}  # TGI's count, our prompt estimate
    r = completion(model="gpt2", messages=CHAT)  # a count that is not a number is not taken
    assert r.usage == {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8, "estimated": True}
    r = completion(model="gpt2", messages=CHAT)  # the header's count is the server's last word
    assert (r.usage.prompt_tokens, r.usage.completion_tokens) == (5, 3)


def test_a_reply_that_is_not_generated_text_says_so(fake):
    fake.script("/hf-inference/models/gpt2", Reply(200, "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"))
    with pytest.raises(playground.APIError) as caught:
        completion(model="gpt2", messages=CHAT)
    error = caught.value
    assert type(error) is playground.APIError and error.status_code == 200 and error.model == "gpt2"
    assert str(error) == (
        "The endpoint's reply is not generated text (the endpoint answered with an HTML page, not JSON): "
        "check that the URL points at a model server of that kind; the full reply is in the payload view."
    )


def test_a_task_answer_names_the_model_and_estimates_its_usage(fake):
    r = completion(model="deepset/deberta-v3-large-squad2", messages=CHAT, context="The capital of France is Paris.")
    assert (r.model, r.choices[0].message.content, r.choices[0].finish_reason) == ("deepset/deberta-v3-large-squad2", "Paris", "stop")
    # About four characters a token: the question's 20, and "Paris".
    assert r.usage == {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6, "estimated": True}


def test_a_reply_that_is_not_a_task_answer_says_so(fake):
    fake.script("/hf-inference/models/deepset/deberta-v3-large-squad2", Reply(200, "Internal Server Error", "text/plain"))
    with pytest.raises(playground.APIError) as caught:
        completion(model="deepset/deberta-v3-large-squad2", messages=CHAT, context="The capital of France is Paris.")
    error = caught.value
    assert type(error) is playground.APIError and error.model == "deepset/deberta-v3-large-squad2"
    assert str(error) == (
        "The endpoint's reply is not a question-answering answer (Internal Server Error): "
        "check that the URL points at a model server of that kind; the full reply is in the payload view."
    )


CLASSIFIER = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"


def test_a_flat_list_of_labels_reads_like_the_nested_one(fake):
    flat = [{"label": "POSITIVE", "score": 0.9998695850372314}, {"label": "NEGATIVE", "score": 0.00013043530634604394}]
    fake.script(f"/hf-inference/models/{CLASSIFIER}", Reply(200, flat))
    r = completion(model=CLASSIFIER, messages=[{"role": "user", "content": "I like you"}])
    assert r.choices[0].message.content == "POSITIVE: 0.9999\nNEGATIVE: 0.0001"


@pytest.mark.parametrize("body", [
    [],  # no label at all
    [["POSITIVE", 0.9998695850372314]],  # pairs, not objects
    [[{"label": "POSITIVE", "score": "0.9998695850372314"}]],  # a score as text
    [[{"label": None, "score": 0.9998695850372314}]],
])
def test_labels_of_the_wrong_shape_are_a_sentence_not_a_crash(fake, body):
    fake.script(f"/hf-inference/models/{CLASSIFIER}", Reply(200, body))
    with pytest.raises(playground.APIError) as caught:
        completion(model=CLASSIFIER, messages=[{"role": "user", "content": "I like you"}])
    assert str(caught.value).startswith("The endpoint's reply is not a text-classification answer: check that the URL points")


@pytest.mark.parametrize("body", [
    [["Paris is the capital of France."]],  # a list, not an object
    [{"summary_text": ["Paris is the capital of France."]}],  # a summary that is not text
    [{"generated_text": "Paris is the capital of France."}],  # another task's key
])
def test_a_summary_of_the_wrong_shape_is_a_sentence_not_a_crash(fake, body):
    fake.script("/hf-inference/models/facebook/bart-large-cnn", Reply(200, body))
    with pytest.raises(playground.APIError) as caught:
        completion(model="facebook/bart-large-cnn", messages=CHAT)
    assert str(caught.value).startswith("The endpoint's reply is not a summarization answer: check that the URL points")


def test_a_transformers_backend_is_asked_again_without_every_parameter_it_names(fake):
    path = "/hf-inference/models/gpt2"
    refused = Reply(400, {"error": "The following `model_kwargs` are not used by the model: ['top_k', 'repetition_penalty'] "
                                   "(note: typos in the generate arguments will also show up in this list)"})  # as recorded, other names
    fake.script(path, refused, recorded("tg_non_tgi_retry_ok"))
    r = completion(model="gpt2", messages=[{"role": "user", "content": "0 1 2"}], task="text-generation", top_k=5, repetition_penalty=1.2)
    assert [e.purpose for e in r.exchanges] == ["text-generation", "retry without repetition_penalty, top_k"]
    assert not {"top_k", "repetition_penalty"} & set(fake.seen(path)[-1].body["parameters"])


@pytest.mark.parametrize("reply, said", [
    (Reply(400, {"error": ["Error in `parameters.max_new_tokens`: Input should be greater than 0"]}),
     "HTTP 400: Error in `parameters.max_new_tokens`: Input should be greater than 0"),
    (Reply(400, b"", "text/plain"), "HTTP 400"),
])
def test_a_transformers_backend_refusal_naming_no_parameter_is_not_retried(fake, reply, said):
    fake.script("/hf-inference/models/gpt2", reply)
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model="gpt2", messages=CHAT, task="text-generation", top_k=5)
    assert str(caught.value) == f"The Inference API for gpt2 refused the request ({said}): check the parameters in the request shown with it."
    assert len(caught.value.exchanges) == 1


# --- text-generation streams: why they stopped, how many tokens ---------------------------------


@pytest.mark.parametrize("name, max_tokens, finish", [
    ("tg_stream_tgi3_llama32", 50, "length"),  # the 50th token of 50, not special, no details: cut at the limit
    ("tg_stream_tgi3_llama32", 60, "stop"),  # below the limit: it stopped by itself
    ("tg_stream_tgi3_llama32", None, "stop"),
    ("tg_stream_llama2_7b_hf", 52, "stop"),  # the end-of-sequence token, even as the last allowed one
])
def test_a_tgi_stream_without_details_says_why_it_stopped_and_counts_its_events(fake, name, max_tokens, finish):
    fake.script("/hf-inference/models/meta-llama/Llama-2-7b-hf", recorded(name))
    chunks = list(completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, stream=True, task="text-generation", max_tokens=max_tokens))
    assert chunks[-1].choices[0].finish_reason == finish and all(c.choices[0].finish_reason is None for c in chunks[:-1])
    events = RECORDED[name]["response"]["body"].count("data:")
    assert chunks[-1].usage.completion_tokens == events and chunks[-1].usage.estimated  # one token an event


@pytest.mark.parametrize("event, shown", [
    ('data:"Internal Server Error"\n\n', " (Internal Server Error)"),  # a JSON string, not an event
    ('data:[1,2]\n\n', ""),
    ('data:{"index":1,"generated_text":null,"details":null}\n\n', ""),  # no token
    ('data:{"index":1,"token":{"id":1,"text":null,"special":false},"generated_text":null}\n\n', ""),
])
def test_a_text_stream_event_of_the_wrong_shape_is_a_sentence(fake, event, shown):
    fake.script(TEXT_PATH, Reply(200, event, "text/event-stream"))
    stream = completion(model="meta-llama/Llama-2-7b-hf", messages=CHAT, stream=True, task="text-generation")
    with pytest.raises(playground.APIError) as caught:
        list(stream)
    error = caught.value
    assert type(error) is playground.APIError and error.model == "meta-llama/Llama-2-7b-hf" and error.exchange is stream.exchanges[-1]
    assert str(error) == (f"The endpoint's reply is not a text-generation stream{shown}: check that the URL points at a model server "
                          "of that kind; the full reply is in the payload view.")


# --- how long a model still needs --------------------------------------------------------------


@pytest.mark.parametrize("estimate, said", [(20.0, "20"), (10.0, "10"), (10.5, "10"), (9.5, "9.5")])
def test_a_loading_models_estimate_reads_in_whole_seconds_from_ten(fake, estimate, said):
    body = {"error": f"Model {CLASSIFIER} is currently loading", "estimated_time": estimate}  # recorded with 20.0
    fake.script(f"/hf-inference/models/{CLASSIFIER}", Reply(503, body))
    with pytest.raises(playground.ServiceUnavailableError) as caught:
        completion(model=CLASSIFIER, messages=[{"role": "user", "content": "I like you"}], wait_for_model=False)
    assert str(caught.value) == (f"{CLASSIFIER} is still loading (HTTP 503: Model {CLASSIFIER} is currently loading, about {said} s more): "
                                 "try again shortly, or allow a longer wait with wait_for_model.")


# --- the router's refusals, word for word --------------------------------------------------

SETTINGS = "https://hf.co/settings/inference-providers"
RELAYED_500 = PROVIDER_RECORDED["router-provider-route-together-500-relayed-error"]["response"]["body"]
ROUTER_404 = PROVIDER_RECORDED["router-hf-inference-404-model-does-not-exist"]["response"]["body"]


@pytest.mark.parametrize("model, api_key, reply, kind, sentence", [
    (LLAMA, TOKEN, Reply(400, {"error": {"message": "Model unavailable for your account", "type": "invalid_request_error", "param": "model",
                                         "code": "model_not_supported"}}),  # known by its code alone
     playground.BadRequestError,
     f"No provider you have enabled serves {LLAMA} (HTTP 400: Model unavailable for your account): pick one of together, novita, cerebras "
     f"(as {LLAMA}:<provider>), or enable providers at {SETTINGS}."),
    (LLAMA, TOKEN, Reply(400, {"error": f"The requested model '{LLAMA}' is not supported by any provider you have enabled."}),  # by its words alone
     playground.BadRequestError,
     f"No provider you have enabled serves {LLAMA} (HTTP 400: The requested model '{LLAMA}' is not supported by any provider you have "
     f"enabled.): pick one of together, novita, cerebras (as {LLAMA}:<provider>), or enable providers at {SETTINGS}."),
    (LLAMA, TOKEN, Reply(400, {"error": {"message": "temperature must be between 0 and 2", "type": "invalid_request_error", "param": "temperature",
                                         "code": None}}, headers={"x-inference-provider": "together"}),  # any other 400
     playground.BadRequestError,
     f"Inference Providers (together) for {LLAMA} refused the request (HTTP 400: temperature must be between 0 and 2): "
     "check the parameters in the request shown with it."),
    (LLAMA, False, None, playground.AuthenticationError,
     "Inference Providers need a Hugging Face token (HTTP 401: Invalid username or password.): set HF_TOKEN or pass "
     "api_key=\"hf_...\" (a token with the \"Make calls to Inference Providers\" permission)."),
    (LLAMA, "hf_fake_not_a_real_token", None, playground.AuthenticationError,
     "Inference Providers refused the token (HTTP 401: Invalid username or password.): it is wrong or revoked; copy a fresh one from "
     "https://huggingface.co/settings/tokens and pass it as api_key or HF_TOKEN."),
    (LLAMA, "hf_fake_credits_used_up", None, playground.PaymentRequiredError,
     "Your monthly included credits for Inference Providers are used up (HTTP 402: You have depleted your monthly included credits. "
     "Purchase pre-paid credits to continue using Inference Providers. Alternatively, subscribe to PRO to get 20x more included credits.): "
     "buy pre-paid credits at https://huggingface.co/settings/billing, subscribe to PRO (https://huggingface.co/pro) for more included "
     "credits, or bill an organisation you belong to with bill_to=\"<org>\"."),
    (LLAMA, TOKEN, Reply(403, {"error": f"You are trying to access a gated repo. Make sure to have access to it at https://huggingface.co/{LLAMA}."}),
     playground.PermissionDeniedError,
     f"Inference Providers for {LLAMA} refused the token (HTTP 403: You are trying to access a gated repo. Make sure to have access to it at "
     f"https://huggingface.co/{LLAMA}.). If {LLAMA} is gated, ask for access on its model page; otherwise use a token with read access "
     "(check HF_TOKEN or pass api_key)."),
    (LLAMA, TOKEN, Reply(403, {"error": f"Access to model {LLAMA} is restricted and you are not in the authorized list."}),
     playground.PermissionDeniedError,
     f"Inference Providers for {LLAMA} refused the token (HTTP 403: Access to model {LLAMA} is restricted and you are not in the authorized "
     f"list.). If {LLAMA} is gated, ask for access on its model page; otherwise use a token with read access (check HF_TOKEN or pass api_key)."),
    (f"{LLAMA}:fireworks-ai", TOKEN, None, playground.NotFoundError,
     f"fireworks-ai no longer serves {LLAMA} (HTTP 410: The requested model is deprecated and no longer supported by provider "
     "'fireworks-ai'.): drop the :fireworks-ai suffix to let the router choose, or pin another provider."),
    (f"{LLAMA}:fastest", TOKEN, Reply(410, {"error": "The requested model is deprecated and no longer supported by provider 'novita'."}),
     playground.NotFoundError,
     f"The pinned provider no longer serves {LLAMA} (HTTP 410: The requested model is deprecated and no longer supported by provider "
     "'novita'.): drop the :provider suffix to let the router choose, or pin another provider."),
    (LLAMA, TOKEN, Reply(404, ROUTER_404), playground.NotFoundError,
     f"The router does not know {LLAMA} (HTTP 404: Model this-model-does-not-exist-123 does not exist): check the model id; "
     "playground.list_models() lists the models it serves."),
    (LLAMA, TOKEN, Reply(500, RELAYED_500), playground.InternalServerError,  # no x-inference-provider: who failed is not known
     f"The provider that took the request failed while answering for {LLAMA} (HTTP 500: Internal server error): try again, or pin "
     f"another provider with {LLAMA}:<provider>."),
])
def test_router_refusals_read_word_for_word(fake, model, api_key, reply, kind, sentence):
    if reply is not None:
        fake.script(ROUTER_CHAT, reply)
    with pytest.raises(playground.APIError) as caught:
        completion(model=model, messages=CHAT, api_key=api_key)
    assert type(caught.value) is kind and str(caught.value) == sentence
    assert caught.value.exchange.url == f"{fake.router_url}/v1/chat/completions"


def test_a_model_no_provider_serves_says_to_pick_another(fake):
    fake.script("/api/models/org/chat-model", Reply(200, {"_id": "x", "id": "org/chat-model", "pipeline_tag": "text-generation",
                                                        "tags": ["conversational"], "inferenceProviderMapping": []}))
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model="org/chat-model", messages=CHAT, api_key=TOKEN)
    assert str(caught.value) == (
        "No provider you have enabled serves org/chat-model (HTTP 400: The requested model 'org/chat-model' is not supported by any "
        "provider you have enabled.): pick another model (playground.list_models() lists those the router serves), or enable "
        f"providers at {SETTINGS}."
    )


# --- when to try again after a 429 -----------------------------------------------------------

RATE_LIMITED = json.loads(RECORDED["serverless_429_rate_limit_anonymous"]["response"]["body"])


def rate_limited(fake, retry_after):
    fake.script("/hf-inference/models/gpt2", Reply(429, RATE_LIMITED, headers={"retry-after": retry_after}))
    with pytest.raises(playground.RateLimitError) as caught:
        completion(model="gpt2", messages=CHAT)
    return caught.value


@pytest.mark.parametrize("retry_after, seconds, wait", [
    ("0", 0.0, "wait 0 s"),  # right away
    (formatdate(time.time() - 3600, usegmt=True), 0.0, "wait 0 s"),  # a date already past
    ("Someday", None, "wait a minute"),
], ids=["zero", "a-past-date", "not-a-date"])
def test_a_rate_limits_retry_after_reads_as_seconds_never_below_zero(fake, retry_after, seconds, wait):
    error = rate_limited(fake, retry_after)
    assert error.retry_after == seconds
    assert str(error) == (f"Too many requests to the Inference API for gpt2 (HTTP 429: Rate limit reached. Please log in or use a HF access "
                          f"token): {wait} and try again, or use a token with a higher rate limit.")


def test_a_rate_limits_retry_after_as_an_http_date_is_the_seconds_until_then(fake):
    error = rate_limited(fake, formatdate(time.time() + 30.5, usegmt=True))
    assert 20 < error.retry_after <= 30.5 and f"wait {error.retry_after:.0f} s and try again" in str(error)


# --- a chat refused for want of a template, told apart from other refusals -------------------

PRIVATE = {"model": "meta-llama/Llama-2-7b-chat-hf", "api_key": "hf_fake_private_endpoint_token"}


@pytest.mark.parametrize("reply, falls_back", [
    (Reply(422, {"error": "", "error_type": "template_error"}), True),  # TGI's type alone
    (Reply(422, {"error": "Template error: template `chat_template` not found", "error_type": "template_error"}), True),
    (Reply(422, "Template error: template not found", "text/plain"), True),  # the words alone
    (Reply(422, b"", "text/plain"), False),  # says nothing: not a template error
    (Reply(422, {"error": "Template error: Conversation roles must alternate user/assistant/user/assistant/...", "error_type": "template_error"}), False),
])
def test_a_tgi_422_falls_back_to_text_only_for_a_missing_template(fake, reply, falls_back):
    fake.script("/endpoints/private-chat/v1/chat/completions", reply)
    url = fake.endpoint_url("private-chat")
    if falls_back:
        r = completion(messages=CHAT, api_base=url, max_tokens=3, **PRIVATE)
        assert r.route == "text-generation" and r.choices[0].message.content == " Paris is the"
        assert [(e.purpose, e.status) for e in r.exchanges][-2:] == [("chat", 422), ("fallback to text-generation (no chat template)", 200)]
    else:
        with pytest.raises(playground.BadRequestError) as caught:
            completion(messages=CHAT, api_base=url, max_tokens=3, **PRIVATE)
        assert caught.value.status_code == 422 and len(fake.seen("/endpoints/private-chat/v1/chat/completions")) == 1


@pytest.mark.parametrize("message, falls_back", [
    ("This model's tokenizer does not define a chat template.", True),
    ("Chat template not found for model llama-3-1-8b-instruct-xyz.", True),
    ("Error rendering the chat template: roles must alternate user/assistant.", False),  # it has one; it raised
])
def test_an_openai_engines_400_falls_back_to_text_only_for_a_missing_template(fake, message, falls_back):
    fake.script("/endpoints/vllm-chat/v1/chat/completions",
                Reply(400, {"error": {"message": message, "type": "BadRequestError", "param": None, "code": 400}}))
    url = fake.endpoint_url("vllm-chat")
    if falls_back:
        r = completion(model="tgi", messages=CHAT, api_base=url, max_tokens=3)
        assert r.route == "text-generation" and r.choices[0].message.content == " Paris is the"
        assert fake.seen("/endpoints/vllm-chat")[-1].path.endswith("/v1/completions")
    else:
        with pytest.raises(playground.BadRequestError) as caught:
            completion(model="tgi", messages=CHAT, api_base=url, max_tokens=3)
        assert str(caught.value) == f"The endpoint at {url}/v1/chat/completions refused the request (HTTP 400: {message}): check the parameters in the request shown with it."


# --- a refused token, gated model or not ----------------------------------------------------

GATED = "meta-llama/Llama-2-7b-hf"
GATED_PATH = f"/hf-inference/models/{GATED}"
ASK_ACCESS = (f"If {GATED} is gated, ask for access on its model page; otherwise use a token with read access "
              "(check HF_TOKEN or pass api_key).")


def test_a_401_about_a_gated_repo_says_to_ask_for_access(fake):
    said = (f"Cannot access gated repo for url https://huggingface.co/api/models/{GATED}. Access to model {GATED} is restricted. "
            "You must be authenticated to access it.")
    fake.script(GATED_PATH, Reply(401, {"error": said}))
    with pytest.raises(playground.AuthenticationError) as caught:
        completion(model=GATED, messages=CHAT, api_key=TOKEN, task="text-generation")
    assert str(caught.value) == f"The Inference API for {GATED} refused the token (HTTP 401: {said}). {ASK_ACCESS}"


def test_any_403_says_to_ask_for_access_or_use_a_token_with_read_access(fake):
    said = "This authentication method does not have sufficient permissions to call Inference Providers on behalf of user fake-user"
    fake.script(GATED_PATH, Reply(403, {"error": said}))
    with pytest.raises(playground.PermissionDeniedError) as caught:
        completion(model=GATED, messages=CHAT, api_key=TOKEN, task="text-generation")
    assert str(caught.value) == f"The Inference API for {GATED} refused the token (HTTP 403: {said}). {ASK_ACCESS}"


def test_a_private_endpoint_refusing_a_token_or_its_absence_says_what_to_pass(fake):
    url = fake.endpoint_url("private-chat")
    with pytest.raises(playground.AuthenticationError) as caught:
        completion(model="meta-llama/Llama-2-7b-chat-hf", messages=CHAT, api_base=url, api_key="hf_fake_wrong_token")
    assert str(caught.value) == (f"The endpoint at {url}/v1/chat/completions refused the token (HTTP 401): check HF_TOKEN or pass "
                                 "api_key=\"hf_...\" with a valid token that can use this endpoint.")
    with pytest.raises(playground.AuthenticationError) as caught:
        completion(model="meta-llama/Llama-2-7b-chat-hf", messages=CHAT, api_base=url, api_key=False)
    assert str(caught.value) == f"The endpoint at {url}/v1/chat/completions needs a token (HTTP 401): set HF_TOKEN or pass api_key=\"hf_...\"."


def test_a_403_from_an_endpoint_serving_an_unnamed_model_says_the_model(fake):
    url = fake.endpoint_url("private-chat")
    fake.script("/endpoints/private-chat/v1/chat/completions", Reply(403, {"error": "Forbidden"}))
    with pytest.raises(playground.PermissionDeniedError) as caught:
        completion(model="", messages=CHAT, api_base=url, api_key="hf_fake_private_endpoint_token")
    assert str(caught.value) == (f"The endpoint at {url}/v1/chat/completions refused the token (HTTP 403: Forbidden). If the model is gated, ask for access "
                                 "on its model page; otherwise use a token with read access (check HF_TOKEN or pass api_key).")


# --- the other statuses, word for word ------------------------------------------------------


def refused(fake, path, reply, **kwargs):
    if reply is not None:
        fake.script(path, reply)
    with pytest.raises(playground.APIError) as caught:
        completion(messages=CHAT, **kwargs)
    return caught.value


def test_payment_redirects_and_missing_things_read_word_for_word(fake):
    error = refused(fake, "/hf-inference/models/gpt2", Reply(402, {"error": "Payment required"}), model="gpt2")
    assert type(error) is playground.PaymentRequiredError and str(error) == (
        "The Inference API for gpt2 asks for payment (HTTP 402: Payment required): check the account's billing settings at "
        "https://huggingface.co/settings/billing.")
    url = fake.endpoint_url("public-base")
    for status, headers, to in ((302, {"location": "https://abc.us-east-1.aws.endpoints.huggingface.cloud"}, "https://abc.us-east-1.aws.endpoints.huggingface.cloud"),
                                (300, {"location": "https://xyz.endpoints.huggingface.cloud"}, "https://xyz.endpoints.huggingface.cloud"),
                                (307, {}, "another address")):
        fake.script("/endpoints/public-base/info", Reply(200, {"model_id": "meta-llama/Llama-2-7b-hf", "model_pipeline_tag": "text-generation", "version": "3.2.1"}))
        error = refused(fake, "/endpoints/public-base", Reply(status, b"", "text/plain", headers=headers), model="tgi", api_base=url, task="text-generation")
        assert str(error) == f"The endpoint at {url} redirected to {to} (HTTP {status}); use that address as the endpoint URL."
        playground.clear_caches()
    error = refused(fake, "/endpoints/public-base", Reply(404, b"", "text/plain"), model="tgi", api_base=url, task="text-generation")
    assert type(error) is playground.NotFoundError and str(error) == (
        f"Nothing answers at {url} (HTTP 404): check the endpoint URL and that the endpoint is running.")


def test_an_engine_that_does_not_serve_the_model_named_says_which_name_to_use(fake):
    url = fake.endpoint_url("vllm-chat")
    path = "/endpoints/vllm-chat/v1/chat/completions"
    not_served = {"error": {"message": "The model `llama` does not exist.", "type": "NotFoundError", "param": "model", "code": 404}}
    error = refused(fake, path, Reply(404, not_served), model="tgi", api_base=url)
    assert type(error) is playground.NotFoundError and str(error) == (
        f"The endpoint at {url}/v1/chat/completions does not serve a model called 'tgi' (HTTP 404: The model `llama` does not exist.): "
        "use the name it lists at /v1/models, or \"tgi\" to let the playground find it.")
    bad_name = {"error": {"message": "Invalid model name", "type": "BadRequestError", "param": "model", "code": 400}}
    error = refused(fake, path, Reply(400, bad_name), model="tgi", api_base=url)
    assert str(error) == (f"The endpoint at {url}/v1/chat/completions refused the request (HTTP 400: Invalid model name): check the parameters "
                          "in the request shown with it.")


def test_a_chat_forced_on_a_model_without_template_says_to_use_text(fake):
    path = "/hf-inference/models/google/gemma-2b/v1/chat/completions"
    for reply in (recorded("chat_422_template_error"), Reply(422, "Template error: template not found", "text/plain")):
        error = refused(fake, path, reply, model="google/gemma-2b", task="conversational")
        assert type(error) is playground.BadRequestError and str(error) == (
            "google/gemma-2b has no chat template, so it cannot be sent chat messages (HTTP 422: Template error: template not found): "
            "use the text-generation route (task=\"text-generation\", or leave the route on auto).")


def test_a_loading_or_unavailable_endpoint_says_how_long_it_waited(fake):
    url = fake.endpoint_url("public-base")
    loading = Reply(503, {"error": "Model is currently loading", "estimated_time": 0.1})
    fake.script("/endpoints/public-base/info", Reply(200, {"model_id": "meta-llama/Llama-2-7b-hf", "model_pipeline_tag": "text-generation"}))
    fake.script("/endpoints/public-base", loading, loading, loading)
    error = refused(fake, "/endpoints/public-base", None, model="", api_base=url, task="text-generation", wait_for_model=0.2)
    assert type(error) is playground.ServiceUnavailableError and error.estimated_time == 0.1
    assert str(error) == ("The model was still loading after 0.2 s of waiting (HTTP 503: Model is currently loading): try again in a minute, "
                          "or allow a longer wait with wait_for_model.")
    error = refused(fake, "/endpoints/public-base", loading, model="", api_base=url, task="text-generation", wait_for_model=False)
    assert str(error) == ("The model is still loading (HTTP 503: Model is currently loading, about 0.1 s more): try again shortly, "
                          "or allow a longer wait with wait_for_model.")
    error = refused(fake, "/endpoints/public-base", Reply(503, b"", "text/plain"), model="tgi", api_base=url, task="text-generation",
                    wait_for_model=False)
    assert str(error) == (f"The endpoint at {url} is unavailable (HTTP 503): it may be paused, scaled to zero or restarting; "
                          "wait a minute and try again.")
    fake.script("/endpoints/public-base", *[Reply(503, b"", "text/plain")] * 5)
    error = refused(fake, "/endpoints/public-base", None, model="tgi", api_base=url, task="text-generation", wait_for_model=0.1)
    assert error.estimated_time is None and str(error) == (
        f"The endpoint at {url} was still unavailable after 0.1 s of waiting (HTTP 503): it may be paused, or still scaling up from "
        "zero; try again in a minute, or allow a longer wait with wait_for_model.")


def test_a_chat_answer_without_finish_reason_id_or_time_gets_ours(fake):
    body = json.loads(json.dumps(TOOL_CALL))
    body["choices"][0]["finish_reason"] = None
    body.update({"id": "", "created": "2026-01-06T02:08:53Z"})  # TGI's recorded answer says "id": ""
    fake.script(ROUTER_CHAT, Reply(200, body), Reply(200, {**body, "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}}]}))
    r = completion(model=LLAMA, messages=CHAT, api_key=TOKEN)
    assert r.choices[0].finish_reason == "tool_calls" and r.task == "text-generation"  # the Hub's pipeline tag
    assert r.id.startswith("chatcmpl-") and isinstance(r.created, int)
    r = completion(model=LLAMA, messages=CHAT, api_key=TOKEN)
    assert r.choices[0].finish_reason == "stop"


def test_a_reply_that_is_not_a_chat_completion_says_so(fake):
    error = refused(fake, ROUTER_CHAT, Reply(200, "upstream connect error or disconnect/reset before headers", "text/plain"),
                    model=f"{LLAMA}:together", api_key=TOKEN)
    assert type(error) is playground.APIError and error.model == f"{LLAMA}:together" and str(error) == (
        "The endpoint's reply is not a chat completion (upstream connect error or disconnect/reset before headers): check that the URL "
        "points at a model server of that kind; the full reply is in the payload view.")


def test_a_template_that_raises_is_not_called_missing_in_the_error(fake):
    """TGI's template_error also covers a template that raises on the messages (roles must alternate): that
    model has a template, so the sentence must not say it has none and send the user to text generation."""
    said = "Template error: Conversation roles must alternate user/assistant/user/assistant/..."
    error = refused(fake, "/hf-inference/models/google/gemma-2b/v1/chat/completions", Reply(422, {"error": said, "error_type": "template_error"}),
                    model="google/gemma-2b", task="conversational")
    assert type(error) is playground.BadRequestError and error.error_type == "template_error"
    assert str(error) == (f"The Inference API for google/gemma-2b refused the request (HTTP 422: {said}): check the parameters in the "
                          "request shown with it.")


def test_a_chat_forced_on_an_unnamed_endpoint_without_template_says_this_model(fake):
    url = fake.endpoint_url("public-base")
    error = refused(fake, "/endpoints/public-base/v1/chat/completions", None, model="", api_base=url, task="conversational")
    assert type(error) is playground.BadRequestError and str(error) == (
        "This model has no chat template, so it cannot be sent chat messages (HTTP 422: Template error: template not found): "
        "use the text-generation route (task=\"text-generation\", or leave the route on auto).")


# --- error bodies read alike, whatever their shape --------------------------------------------


@pytest.mark.parametrize("body, text, error_type, code, param", [
    ({"error": ["Error in `inputs`: field required", "Error in `parameters.top_k`: Input should be greater than 0"]},
     "Error in `inputs`: field required; Error in `parameters.top_k`: Input should be greater than 0", None, None, None),
    ({"error": {"code": 500}}, '{"code": 500}', None, "500", None),  # an object without message: shown as it is
    ({"error": {"message": "The model `x` does not exist.", "type": "NotFoundError", "param": "model", "code": ""}},
     "The model `x` does not exist.", "NotFoundError", None, "model"),
    ({"error": {"message": "Bad", "type": 400, "param": 7}}, "Bad", None, None, None),  # a type or param that is not text: none
    ({"object": "error", "message": "Bad", "type": ["x"], "code": 400}, "Bad", None, "400", None),
    ({"error": "Overloaded", "error_type": 503}, "Overloaded", None, None, None),
    ({"detail": "Not Found"}, "Not Found", None, None, None),
    ({"detail": ["Not Found", "Gone"]}, "Not Found; Gone", None, None, None),
    ({"detail": [{"loc": ["body", "messages"], "type": "missing"}]}, "{'loc': ['body', 'messages'], 'type': 'missing'}", None, None, None),
    ({"detail": {"msg": "Field required"}}, "Field required", None, None, None),
    ({"detail": ""}, None, None, None, None),
    ({"error": ""}, None, None, None, None),
    ({}, None, None, None, None),
    (b"\xff\xfe not text", "\"b'\\\\xff\\\\xfe not text'\"", None, None, None),
])
def test_error_bodies_of_any_shape_read_as_text_type_code_and_param(body, text, error_type, code, param):
    said = read_hf_error(body)
    assert (said.text, said.error_type, said.code, said.param) == (text, error_type, code, param)


@pytest.mark.parametrize("estimate, seconds", [(0, 0.0), (100, 100.0), (9_999_999, 9_999_999.0), (10**7, None), (1.5e7, None), (-1, None)])
def test_a_loading_estimate_is_kept_from_zero_to_under_ten_million_seconds(estimate, seconds):
    assert read_hf_error({"error": "Model is currently loading", "estimated_time": estimate}).estimated_time == seconds


def test_a_long_error_text_is_cut_to_500_characters_with_an_ellipsis():
    assert read_hf_error({"error": "x" * 500}).text == "x" * 500
    assert read_hf_error({"error": "x" * 501}).text == "x" * 499 + "…"


# --- logprobs, and a reasoning-only message ---------------------------------------------------


def test_a_chat_answers_logprobs_reach_the_choice(fake):
    logprobs = {"content": [{"token": " Paris", "logprob": -0.01, "bytes": [32, 80, 97, 114, 105, 115], "top_logprobs": []}]}
    fake.script(ROUTER_CHAT, Reply(200, {"id": "c1", "object": "chat.completion", "created": 1767665333, "model": LLAMA, "choices": [
        {"index": 0, "message": {"role": "assistant", "content": " Paris"}, "logprobs": logprobs, "finish_reason": "stop"}]}))
    r = completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, logprobs=True)
    assert r.choices[0].logprobs == logprobs and r.choices[0].message.content == " Paris"


# --- a streamed tool call's finish reason --------------------------------------------------------


@pytest.mark.parametrize("finish, said", [("stop", "tool_calls"), (None, "tool_calls"), ("length", "length")])
def test_a_streamed_tool_call_ended_with_stop_or_nothing_finishes_with_tool_calls(fake, finish, said):
    def event(delta, why=None):
        return "data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": LLAMA,
                                      "choices": [{"index": 0, "delta": delta, "finish_reason": why}]}) + "\n\n"

    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}
    raw = event({"role": "assistant", "tool_calls": [call]}) + event({}, finish) + "data: [DONE]\n\n"
    fake.script(ROUTER_CHAT, Reply(200, raw.encode(), "text/event-stream"))
    chunks = list(completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, stream=True))
    assert chunks[-1].choices[0].finish_reason == said


def test_a_message_without_content_keeps_its_reasoning_and_refusal(fake):
    """A server may leave "content" out (not null) when the answer is all reasoning (max_tokens hit while
    thinking) or a refusal: what it did send must not be dropped."""
    def answer(message):
        return Reply(200, {"id": "c1", "object": "chat.completion", "created": 1767665333, "model": "deepseek-ai/DeepSeek-R1",
                           "choices": [{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "length"}]})

    fake.script(ROUTER_CHAT, answer({"reasoning": "The user asks about Paris. Paris is"}), answer({"refusal": "I can't help with that."}))
    r = completion(model="deepseek-ai/DeepSeek-R1:together", messages=CHAT, api_key=TOKEN, max_tokens=8)
    assert (r.choices[0].message.content, r.choices[0].message.reasoning_content) == ("", "The user asks about Paris. Paris is")
    r = completion(model="deepseek-ai/DeepSeek-R1:together", messages=CHAT, api_key=TOKEN)
    assert r.choices[0].message.refusal == "I can't help with that."


# --- OpenAI streams that are not, or that stop short ---------------------------------------------


def chat_event(delta, finish=None):
    return "data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": LLAMA,
                                  "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}) + "\n\n"


@pytest.mark.parametrize("event, shown", [
    ('data: "upstream overloaded"\n\n', " (upstream overloaded)"),
    ('data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":"Paris"}]}\n\n', ""),  # a delta that is not an object
])
def test_a_chat_stream_event_of_the_wrong_shape_is_a_sentence(fake, event, shown):
    fake.script(ROUTER_CHAT, Reply(200, event, "text/event-stream"))
    stream = completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, stream=True)
    with pytest.raises(playground.APIError) as caught:
        list(stream)
    error = caught.value
    assert type(error) is playground.APIError and error.model == f"{LLAMA}:together" and error.exchange is stream.exchanges[-1]
    assert str(error) == (f"The endpoint's reply is not a chat completion stream{shown}: check that the URL points at a model server "
                          "of that kind; the full reply is in the payload view.")


def test_a_text_completion_stream_event_of_the_wrong_shape_is_a_sentence(fake):
    fake.script("/endpoints/vllm-chat/v1/completions", Reply(200, 'data: {"id":"cmpl-1","object":"text_completion"}\n\n', "text/event-stream"))
    stream = completion(model="tgi", messages=CHAT, api_base=fake.endpoint_url("vllm-chat"), task="text-generation", stream=True)
    with pytest.raises(playground.APIError) as caught:
        list(stream)
    assert str(caught.value) == ("The endpoint's reply is not a text completion stream: check that the URL points at a model server "
                                 "of that kind; the full reply is in the payload view.")


def test_a_chat_stream_that_stops_before_its_end_says_how_much_arrived(fake):
    fake.script(ROUTER_CHAT, Reply(200, chat_event({"role": "assistant", "content": " Paris"}) + chat_event({"content": " is"}), "text/event-stream"))
    stream = completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, stream=True)
    received = []
    with pytest.raises(playground.APIConnectionError) as caught:
        for chunk in stream:
            received.append(chunk)
    assert text_of(received) == " Paris is"
    error = caught.value
    assert str(error) == "The endpoint closed the stream before the reply was complete (9 characters arrived): try again."
    assert error.model == f"{LLAMA}:together" and error.exchange is stream.exchanges[-1]


@pytest.mark.parametrize("usage, expected", [
    ({"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10, "prompt_tokens_details": {"cached_tokens": 0}},
     {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10, "prompt_tokens_details": {"cached_tokens": 0}}),
    ({"prompt_tokens": "9", "completion_tokens": 1}, {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6, "estimated": True}),
])
def test_empty_deltas_make_no_chunks_and_the_streams_usage_keeps_its_details(fake, usage, expected):
    raw = (chat_event({"role": "assistant", "content": ""}) + chat_event({"content": None, "reasoning": ""})
           + chat_event({"content": " Paris"}) + chat_event({}, "stop")
           + "data: " + json.dumps({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": LLAMA, "choices": [], "usage": usage})
           + "\n\ndata: [DONE]\n\n")
    fake.script(ROUTER_CHAT, Reply(200, raw, "text/event-stream"))
    chunks = list(completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN, stream=True))
    assert [dict(c.choices[0].delta) for c in chunks] == [{"role": "assistant", "content": " Paris"}, {}]
    assert chunks[-1].choices[0].finish_reason == "stop" and chunks[-1].usage == expected
