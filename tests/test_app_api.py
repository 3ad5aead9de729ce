"""The app's public `chat` API, called the way a script calls it: with gradio_client."""

import pytest
from gradio_client import Client

from conftest import APP_SERVER_TOKEN


@pytest.fixture
def client(app_url, fake):
    return Client(app_url, verbose=False)


def test_only_chat_is_public(client):
    assert list(client.view_api(return_format="dict")["named_endpoints"]) == ["/chat"]


def test_chat_streams_the_reply_and_returns_the_exchange(client, fake):
    fake.token_delay = 0.02
    job = client.submit(message="Tell me about Paris.", model="HuggingFaceH4/zephyr-7b-beta", max_tokens=8, api_name="/chat")
    updates = list(job)
    reply, details = job.result()
    assert reply == " Paris is the capital of France. It"
    assert any(0 < len(r) < len(reply) for r, _ in updates)  # partial replies arrive before the end
    assert all(r for r, _ in updates) and "waiting" not in {d["status"] for _, d in updates}  # no empty update before the first token
    # the raw exchanges (which grow with every event) come once, with the last update, not with every token
    streaming = [d["exchanges"] for _, d in updates if d["status"] == "streaming"]
    assert streaming and all(exchanges == [] for exchanges in streaming)
    assert {d["route"] for _, d in updates} == {"chat"}  # each partial update says the route it streams on
    assert details["status"] == "done" and details["error"] is None and details["route"] == "chat"
    chat = details["exchanges"][-1]
    assert chat["request"]["url"].endswith("/models/HuggingFaceH4/zephyr-7b-beta/v1/chat/completions")
    assert chat["request"]["body"]["max_tokens"] == 8 and chat["response"]["status"] == 200
    assert details["figures"]["completion_tokens"] == 8


def test_a_call_with_only_a_message_takes_the_defaults_of_the_signature(client, fake):
    reply, details = client.predict("Tell me about Paris.", api_name="/chat")
    assert details["status"] == "done" and reply.startswith(" Paris is the capital of France")
    sent = fake.seen("/hf-inference/models/meta-llama/Llama-2-7b-chat-hf/v1/chat/completions")[-1]
    assert sent.body["messages"] == [{"role": "user", "content": "Tell me about Paris."}]  # no context, no system prompt
    assert (sent.body["max_tokens"], sent.body["temperature"], sent.body["top_p"]) == (256, 0.7, 0.95)
    assert "stop" not in sent.body and "seed" not in sent.body
    assert "x-hf-bill-to" not in sent.headers  # nobody else pays


def test_every_generation_setting_and_the_route_reach_the_call(client, fake):
    reply, details = client.predict("Tell me about Paris.", model="HuggingFaceH4/zephyr-7b-beta", temperature=0.2, top_p=0.5,
                                    stop="###, END", seed=7, api_name="/chat")
    sent = fake.seen("/hf-inference/models/HuggingFaceH4/zephyr-7b-beta/v1/chat/completions")[-1].body
    assert (sent["temperature"], sent["top_p"], sent["stop"], sent["seed"]) == (0.2, 0.5, ["###", "END"], 7)
    _, forced = client.predict("Paris is", model="HuggingFaceH4/zephyr-7b-beta", route="text generation", api_name="/chat")
    assert forced["route"] == "text-generation"


def test_a_question_answering_model_called_without_a_context_asks_for_one(client, fake):
    reply, details = client.predict("What is the capital of France?", model="deepset/deberta-v3-large-squad2", api_name="/chat")
    assert details["status"] != "done" and "paste the passage in the Context box" in details["error"]
    assert fake.seen("/hf-inference/models/deepset/deberta-v3-large-squad2") == []  # nothing sent


def test_history_is_sent_as_the_conversation(client, fake):
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    client.predict(message="And now?", history=history, model="HuggingFaceH4/zephyr-7b-beta", system_prompt="Be brief.", api_name="/chat")
    assert fake.seen("/hf-inference/")[-1].body["messages"] == [
        {"role": "system", "content": "Be brief."}, *history, {"role": "user", "content": "And now?"}
    ]


def test_question_answering_with_context(client, fake):
    reply, details = client.predict(
        message="What is the capital of France?", model="deepset/deberta-v3-large-squad2",
        context="The capital of France is Paris.", api_name="/chat",
    )
    assert (reply, details["route"]) == ("Paris", "question-answering")


def test_private_endpoint_token_is_used_and_never_returned(client, fake):
    token = "hf_fake_private_endpoint_token"
    reply, details = client.predict(
        message="Hi", endpoint="private", model="meta-llama/Llama-2-7b-chat-hf", api_base=fake.endpoint_url("private-chat"),
        token=token, api_name="/chat",
    )
    assert reply and details["status"] == "done"
    assert {call.headers["authorization"] for call in fake.seen("/endpoints/private-chat")} == {f"Bearer {token}"}
    assert token not in str(details) and "Bearer hf_***" in str(details)


def test_server_token_never_goes_to_a_host_that_is_not_hugging_face(client, fake):
    client.predict(message="Hi", model="HuggingFaceH4/zephyr-7b-beta", api_name="/chat")  # serverless URL is loopback here
    assert all("authorization" not in call.headers for call in fake.requests)
    assert all(APP_SERVER_TOKEN not in str(call.headers) for call in fake.requests)


def test_errors_come_back_as_a_sentence_with_the_raw_body(client, fake):
    reply, details = client.predict(message="Hi", model="this-model-does-not-exist-123", route="chat", api_name="/chat")
    assert details["status"] == "error" and "No model 'this-model-does-not-exist-123'" in details["error"]
    assert details["exchanges"][-1]["response"]["body"] == {"error": "Model this-model-does-not-exist-123 does not exist"}
    reply, details = client.predict(message="Hi", endpoint="private", model="m", api_base=fake.endpoint_url("private-chat"), api_name="/chat")
    assert details["status"] == "refused" and "needs a token" in details["error"] and details["exchanges"] == []


def test_chat_takes_a_provider_and_bill_to_and_says_who_served_and_the_cost(client, fake):
    reply, details = client.predict(
        message="Hi", model="meta-llama/Llama-3.1-8B-Instruct", provider="cheapest", bill_to="my-org",
        token="hf_fake_valid_user_token", max_tokens=3, api_name="/chat",
    )
    assert reply == " Paris is the" and details["status"] == "done"
    sent = fake.seen("/v1/chat/completions")[-1]
    assert sent.body["model"] == "meta-llama/Llama-3.1-8B-Instruct:cheapest" and sent.headers["x-hf-bill-to"] == "my-org"
    assert details["provider"] == "novita" == details["figures"]["provider"]
    assert details["cost"] == pytest.approx((1 * 0.02 + 3 * 0.05) / 1e6)  # 1 prompt token ("Hi", as the fake counts) and 3 out, at novita's prices
    assert details["engine"] is None


def test_chat_on_a_dedicated_engine_names_it(client, fake):
    reply, details = client.predict(message="Hi", endpoint="public", model="tgi", api_base=fake.endpoint_url("vllm-chat"), api_name="/chat")
    assert details["engine"] == "vLLM 0.11.0" and details["provider"] is None and details["cost"] is None
