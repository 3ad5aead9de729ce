"""The code views a person copies to repeat a turn's call: the exact text shown for curl and
for huggingface_hub's InferenceClient, route by route, and (for a text-generation turn) that
the InferenceClient code, run, sends the turn's request to the loopback fake."""

from __future__ import annotations

import asyncio
import contextlib
import io

from playground import Exchange
from playground_ui.settings import AppSettings
from playground_ui.turn import TurnInputs, run_turn
from playground_ui.views import CallShape, curl_code, inference_client_code

MODEL = "HuggingFaceH4/zephyr-7b-beta"
CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "Tell me about Paris."},
]
HEAD = "import os\n\nfrom huggingface_hub import InferenceClient\n\n"
ON_ROUTER = f"{HEAD}client = InferenceClient(model='{MODEL}', provider=\"auto\")\n"
ON_HF_INFERENCE = f"{HEAD}client = InferenceClient(model='{MODEL}', provider=\"hf-inference\")\n"


def client_code(route: str | None, **shape) -> str:
    shape = {"model": MODEL, "messages": CONVERSATION, "route": route, "provider": "novita", **shape}
    return inference_client_code(CallShape(**shape))


# InferenceClient: where the client points, and who pays


def test_a_model_on_hf_inference_is_called_through_the_hf_inference_provider_without_a_token():
    assert client_code("summarization", provider="hf-inference") == ON_HF_INFERENCE + "print(client.summarization('Tell me about Paris.'))\n"
    assert client_code("summarization", provider=None) == ON_HF_INFERENCE + "print(client.summarization('Tell me about Paris.'))\n"


def test_an_endpoint_with_a_token_is_called_at_its_url_with_the_token_from_the_environment_and_the_payer():
    code = client_code("summarization", api_base="https://abc.endpoints.example/x", uses_token=True, params={"bill_to": "my-org"})
    assert code == (
        f"{HEAD}client = InferenceClient(model='https://abc.endpoints.example/x', token=os.environ[\"HF_TOKEN\"], bill_to='my-org')\n"
        "print(client.summarization('Tell me about Paris.'))\n"
    )


# InferenceClient: the call of each route


def test_a_chat_turn_is_shown_as_a_streamed_chat_completion_with_the_whole_conversation_and_its_settings():
    expected = ON_ROUTER + (
        'for chunk in client.chat_completion(messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, '
        '{"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Tell me about Paris."}], max_tokens=7, temperature=0.0, '
        'stream=True):\n    print(chunk.choices[0].delta.content or "", end="")\n'
    )
    assert client_code("chat", params={"max_tokens": 7, "temperature": 0.0}) == expected
    assert client_code(None, params={"max_tokens": 7, "temperature": 0.0}) == expected  # no route known yet: chat


def test_a_text_generation_turn_sends_the_last_question_with_max_new_tokens_and_leaves_out_an_empty_stop():
    code = client_code("text-generation", params={"max_tokens": 7, "temperature": 0.0, "top_p": 0.9, "stop": []})
    assert code == ON_ROUTER + (
        "for token in client.text_generation('Tell me about Paris.', max_new_tokens=7, temperature=0.0, top_p=0.9, stream=True):\n"
        '    print(token, end="")\n'
    )
    with_stop = client_code("text-generation", params={"stop": ["###"], "seed": 0})
    assert with_stop == ON_ROUTER + (
        "for token in client.text_generation('Tell me about Paris.', stop=['###'], seed=0, stream=True):\n    print(token, end=\"\")\n"
    )


def test_a_text_generation_turn_without_a_user_message_sends_an_empty_prompt():
    code = client_code("text-generation", messages=[{"role": "system", "content": "Be brief."}])
    assert code == ON_ROUTER + "for token in client.text_generation('', stream=True):\n    print(token, end=\"\")\n"


def test_a_question_answering_turn_asks_the_last_question_about_the_pasted_passage():
    code = client_code("question-answering", context="Paris is the capital of France.")
    assert code == ON_ROUTER + (
        "print(client.question_answering(question='Tell me about Paris.', context='Paris is the capital of France.').answer)\n"
    )
    without = client_code("question-answering")
    assert without == ON_ROUTER + "print(client.question_answering(question='Tell me about Paris.', context='').answer)\n"


def test_each_task_route_calls_the_client_method_of_that_task_with_the_last_question():
    methods = {"summarization": "summarization", "translation": "translation", "text-classification": "text_classification",
               "text2text-generation": "text_generation"}
    for route, method in methods.items():
        assert client_code(route) == ON_ROUTER + f"print(client.{method}('Tell me about Paris.'))\n", route


def test_the_inference_client_code_of_a_text_generation_turn_sends_the_turns_prompt_and_settings(fake):
    """Run in this process (as a person would paste it), against the fake's TGI endpoint."""
    settings = AppSettings.from_env({"HF_INFERENCE_ENDPOINT": fake.inference_url, "HF_ENDPOINT": fake.url, "HF_ROUTER_URL": fake.router_url})
    inputs = TurnInputs(endpoint="public", model="meta-llama/Llama-2-7b-hf", api_base=fake.endpoint_url("public-base"), max_tokens=7,
                        temperature=0.3, stop="###")

    async def turn():
        return [u async for u in run_turn([], "Paris is", inputs, settings)]

    final = asyncio.run(turn())[-1]
    assert final.status == "done" and final.call.route == "text-generation", final.error
    sent = fake.requests[-1].body
    fake.requests.clear()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(inference_client_code(final.call), {"__name__": "snippet"})
    again = fake.requests[-1]
    assert again.path.startswith("/endpoints/public-base")
    assert again.body["inputs"] == sent["inputs"] == "Paris is"
    for name in ("max_new_tokens", "temperature", "stop"):
        assert again.body["parameters"][name] == sent["parameters"][name], name
    assert printed.getvalue()


# curl


def exchange(method: str = "POST", body=None, events=None, **headers: str) -> Exchange:
    return Exchange("chat", method, "https://router.example/v1/chat/completions?x=1&y=2", headers, body, status=200, events=events)


def test_before_anything_is_sent_the_curl_view_says_so_as_a_comment():
    assert curl_code([]) == "# Nothing was sent."


def test_curl_repeats_the_last_request_with_its_own_headers_and_the_token_as_a_placeholder():
    headers = {"Host": "router.example", "Content-Length": "42", "Accept-Encoding": "gzip", "Connection": "keep-alive",
               "User-Agent": "playground/1.0", "Authorization": "Bearer hf_***", "Content-Type": "application/json", "X-Bill-To": "my org"}
    first = Exchange("look-up", "GET", "https://hub.example/api/models/m", {})
    last = exchange(body={"model": MODEL, "messages": [{"role": "user", "content": "Café ?"}]}, **headers)
    assert curl_code([first, last]) == (
        "curl -X POST 'https://router.example/v1/chat/completions?x=1&y=2' \\\n"
        '  -H "Authorization: Bearer $HF_TOKEN" \\\n'
        "  -H 'Content-Type: application/json' \\\n"
        "  -H 'X-Bill-To: my org' \\\n"
        f"""  -d '{{"model": "{MODEL}", "messages": [{{"role": "user", "content": "Café ?"}}]}}'\n"""
    )


def test_curl_of_a_stream_asks_curl_not_to_buffer_it():
    assert curl_code([exchange(body={"stream": True}, events=["{}"])]) == (
        "curl -X POST 'https://router.example/v1/chat/completions?x=1&y=2' \\\n  -d '{\"stream\": true}' \\\n  --no-buffer\n"
    )


def test_curl_of_a_look_up_names_its_method():
    assert curl_code([exchange("GET")]) == "curl -X GET 'https://router.example/v1/chat/completions?x=1&y=2'\n"


def test_curl_keeps_the_method_of_a_request_with_a_body_whatever_it_is():
    assert curl_code([exchange("GET", body={"q": 1})]).startswith("curl -X GET ")  # -d alone would send a POST


def test_the_client_code_writes_the_conversations_letters_as_they_are():
    code = client_code("chat", messages=[{"role": "user", "content": "Où est le café ? 東京"}])
    assert "Où est le café ? 東京" in code and "\\u" not in code
