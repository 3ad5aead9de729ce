"""What a conversation must look like, the sentence for each way it can be wrong (nothing is
sent), and how its messages reach the endpoint."""

import pytest

import playground
from playground import completion

CHAT_MODEL = "meta-llama/Llama-2-7b-chat-hf"
CHAT_PATH = f"/hf-inference/models/{CHAT_MODEL}/v1/chat/completions"


@pytest.mark.parametrize(("messages", "sentence"), [
    ([], 'messages must be a non-empty list such as [{"role": "user", "content": "Hello"}].'),
    ("Hello", 'messages must be a non-empty list such as [{"role": "user", "content": "Hello"}].'),
    ([{"role": "user", "content": "Hi"}, {"content": "no role"}],
     'Message 2 is not a chat message; each must look like {"role": "user", "content": "..."}.'),
    ([{"role": "user", "content": "Hi"}, "text"],
     'Message 2 is not a chat message; each must look like {"role": "user", "content": "..."}.'),
    ([{"role": "narrator", "content": "Once"}], "Message 1 has role 'narrator'; use one of system, user, assistant or tool."),
    ([{"role": "system", "content": "Be brief."}], "The conversation has no user message; add one with the question or text to send."),
    ([{"role": "user", "content": 42}],
     'A message\'s content must be text or a list of text parts, not int; write it as {"role": "user", "content": "..."}.'),
])
def test_a_conversation_that_cannot_be_sent_is_refused_with_its_sentence_and_nothing_goes_out(fake, messages, sentence):
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model=CHAT_MODEL, messages=messages, task="conversational")
    assert str(caught.value) == sentence
    assert fake.seen("/hf-inference/") == []


def test_a_developer_message_goes_out_as_system_and_null_content_as_empty_text(fake):
    messages = [
        {"role": "developer", "content": "Answer in French."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": None},
        {"role": "user", "content": ["Two ", "parts"]},
    ]
    completion(model=CHAT_MODEL, messages=messages, task="conversational")
    sent = fake.seen(CHAT_PATH)[-1].body["messages"]
    assert sent == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": ""},
        {"role": "user", "content": "Two \nparts"},
    ]


def test_text_parts_are_plain_text_even_on_a_text_route(fake):
    parts = [{"type": "text", "text": "The capital of France is"}, {"type": "text", "text": "a city."}]
    answer = completion(model="meta-llama/Llama-2-7b-hf", messages=[{"role": "user", "content": parts}])  # text generation
    assert answer.route == "text-generation"
    assert fake.seen("/hf-inference/models/meta-llama/Llama-2-7b-hf")[-1].body["inputs"] == "The capital of France is\na city."


def test_names_tool_calls_and_tool_results_go_out_as_given_and_nothing_else(fake):
    call = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": "{\"city\": \"Paris\"}"}}
    messages = [
        {"role": "user", "content": "Weather in Paris?", "name": "alice", "mood": "curious"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "content": "Sunny", "tool_call_id": "call_1", "name": None},
        {"role": "user", "content": "Thanks", "name": "alice"},
    ]
    completion(model=CHAT_MODEL, messages=messages, task="conversational")
    assert fake.seen(CHAT_PATH)[-1].body["messages"] == [
        {"role": "user", "content": "Weather in Paris?", "name": "alice"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "content": "Sunny", "tool_call_id": "call_1"},
        {"role": "user", "content": "Thanks", "name": "alice"},
    ]


@pytest.mark.parametrize(("given", "sent"), [({"max_new_tokens": 5}, 5), ({"max_tokens": 3, "max_new_tokens": 5}, 3), ({"max_tokens": 3}, 3)])
def test_max_new_tokens_as_litellm_takes_it_is_max_tokens_unless_both_are_given(fake, given, sent):
    completion(model=CHAT_MODEL, messages=[{"role": "user", "content": "Hi"}], task="conversational", **given)
    body = fake.seen(CHAT_PATH)[-1].body
    assert body["max_tokens"] == sent and "max_new_tokens" not in body
    completion(model="meta-llama/Llama-2-7b-hf", messages=[{"role": "user", "content": "Hi"}], **given)  # text generation
    parameters = fake.seen("/hf-inference/models/meta-llama/Llama-2-7b-hf")[-1].body["parameters"]
    assert parameters["max_new_tokens"] == sent and "max_tokens" not in parameters


@pytest.mark.parametrize(("given", "sentence"), [
    ({"max_tokens": 0}, "max_tokens must be a whole number of at least 1, not 0."),
    ({"max_tokens": 2.5}, "max_tokens must be a whole number of at least 1, not 2.5."),
    ({"max_new_tokens": True}, "max_tokens must be a whole number of at least 1, not True."),
    ({"temperature": -0.5}, "temperature must be a number of 0 or more (0 means greedy), not -0.5."),
    ({"temperature": "hot"}, "temperature must be a number of 0 or more (0 means greedy), not 'hot'."),
    ({"top_p": 0}, "top_p must be a number above 0 and at most 1, not 0."),
    ({"top_p": 1.5}, "top_p must be a number above 0 and at most 1, not 1.5."),
    ({"seed": -1}, "seed must be a whole number of 0 or more, not -1."),
    ({"seed": 1.0}, "seed must be a whole number of 0 or more, not 1.0."),
    ({"presence_penalty": "x"}, "presence_penalty must be a number, not 'x'."),
    ({"frequency_penalty": [1]}, "frequency_penalty must be a number, not [1]."),
    ({"stop": 5}, "stop must be a string or a list of strings, not 5."),
    ({"stop": ["end", 3]}, "stop must be a string or a list of strings, not ['end', 3]."),
])
def test_a_parameter_out_of_range_is_refused_with_its_sentence_and_nothing_goes_out(fake, given, sentence):
    with pytest.raises(playground.BadRequestError) as caught:
        completion(model=CHAT_MODEL, messages=[{"role": "user", "content": "Hi"}], task="conversational", **given)
    assert str(caught.value) == sentence
    assert fake.seen("/hf-inference/") == []


def test_parameters_at_their_bounds_go_out(fake):
    completion(model=CHAT_MODEL, messages=[{"role": "user", "content": "Hi"}], task="conversational",
               max_tokens=1, temperature=0, top_p=0.5, seed=0, presence_penalty=-2, frequency_penalty=2.0, stop=["", "end"])
    body = fake.seen(CHAT_PATH)[-1].body
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["seed"], body["stop"]) == (1, 0, 0.5, 0, ["end"])
    assert (body["presence_penalty"], body["frequency_penalty"]) == (-2, 2.0)
    completion(model=CHAT_MODEL, messages=[{"role": "user", "content": "Hi"}], task="conversational", stop="")
    assert "stop" not in fake.seen(CHAT_PATH)[-1].body  # an empty stop string stops nothing: not sent
