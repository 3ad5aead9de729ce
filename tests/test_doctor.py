"""The endpoint doctor (library side): each kind of trouble gets its own sentence and
colour, with the fewest requests, and the token never shows."""

import asyncio
import json

import pytest

import playground
from apprun import free_port
from fakehf import NO_ACCESS_TOKEN, Reply, recorded
from playground import check_endpoint
from playground._doctor import _unreachable
from playground._exchange import Exchange

PRIVATE_TOKEN = "hf_fake_private_endpoint_token"
CHAT_MODEL = "meta-llama/Llama-2-7b-chat-hf"


def levels(report):
    return [f.level for f in report.findings]


def text(report):
    return "\n".join(f"{f.level}: {f.sentence}" for f in report.findings)


def everything(report):
    """All a person could see of a report: its sentences, facts and probes."""
    return text(report) + json.dumps(report.facts) + json.dumps([e.to_dict() for e in report.exchanges], default=str)


def test_a_healthy_private_endpoint_is_green_in_three_requests(fake):
    report = check_endpoint(CHAT_MODEL, api_base=fake.endpoint_url("private-chat"), api_key=PRIVATE_TOKEN)
    assert report.healthy and report.level == "ok", text(report)
    assert [e.purpose for e in report.exchanges] == ["health check (GET /health)", "endpoint info (GET /info)", "test request (chat, one token)"]
    assert report.exchanges[2].request_body["max_tokens"] == 1
    assert report.facts["model_id"] == CHAT_MODEL and report.facts["max_total_tokens"] == 4096
    assert "TGI 3.2.1 serves meta-llama/Llama-2-7b-chat-hf" in text(report) and "4,096 tokens in all" in text(report)
    assert "can chat with this endpoint" in text(report)
    assert PRIVATE_TOKEN not in everything(report)
    assert all(r.headers.get("authorization") == f"Bearer {PRIVATE_TOKEN}" for r in fake.seen("/endpoints/private-chat"))


def test_a_base_model_gets_the_template_sentence_and_a_text_probe(fake):
    report = check_endpoint("", api_base=fake.endpoint_url("public-base"))
    assert "This model has no chat template; the playground will use text generation." in text(report)
    assert report.route == "text-generation" and report.level == "warn"
    generating = [e for e in report.exchanges if e.method == "POST"]
    assert [e.status for e in generating] == [422, 200]
    assert generating[1].request_body["parameters"]["max_new_tokens"] == 1


def test_a_missing_token_is_red_and_nothing_more_is_sent(fake):
    report = check_endpoint(CHAT_MODEL, api_base=fake.endpoint_url("private-chat"), api_key=False)
    assert levels(report) == ["fail"]
    assert "needs a token (HTTP 401)" in text(report) and "Token box" in text(report)
    assert len(fake.seen("/endpoints/private-chat")) == 1


def test_a_refused_token_is_told_from_a_missing_one(fake):
    report = check_endpoint(CHAT_MODEL, api_base=fake.endpoint_url("private-chat"), api_key="hf_fake_wrong_token_123")
    assert levels(report) == ["fail"] and "refused your token (HTTP 401)" in text(report)
    assert "hf_fake_wrong_token_123" not in everything(report)


def test_a_wrong_path_is_red(fake):
    report = check_endpoint("", api_base=fake.url + "/endpoints/no-such-endpoint")
    assert report.level == "fail"
    assert "has no /health route" in text(report) and "Nothing answers at" in text(report) and "(HTTP 404)" in text(report)


def test_nothing_listening_is_red_with_one_attempt(fake):
    report = check_endpoint("", api_base=f"http://127.0.0.1:{free_port()}")
    assert levels(report) == ["fail"]
    assert "Nothing is listening at 127.0.0.1" in text(report) and "connection refused" in text(report)
    assert len(report.exchanges) == 1


@pytest.mark.parametrize(
    "error, says",
    [
        ("ConnectError: [Errno -2] Name or service not known", "does not exist (DNS lookup failed)"),
        ("ConnectError: [Errno -3] Temporary failure in name resolution", "does not exist (DNS lookup failed)"),
        ("timed out after 5 s (ConnectTimeout)", "did not answer in time"),
        ("ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED]", "Could not reach"),
    ],
)
def test_connection_failures_are_told_apart(error, says):
    exchange = Exchange(purpose="health", method="GET", url="https://xyz.example/health", request_headers={}, error=error)
    assert says in _unreachable("xyz.example", exchange)


def test_a_loading_serverless_model_is_amber_with_the_wait(fake):
    fake.script("/hf-inference/models/HuggingFaceH4/zephyr-7b-beta/v1/chat/completions", recorded("serverless_503_model_loading"))
    report = check_endpoint("HuggingFaceH4/zephyr-7b-beta")
    assert report.level == "warn" and report.healthy
    assert "The model is loading (HTTP 503): about 20 s left" in text(report)
    assert [e.purpose for e in report.exchanges] == ["model look-up (Hub model API)", "test request (chat, one token)"]


def test_a_scaled_to_zero_endpoint_is_amber(fake):
    fake.script("/endpoints/public-base/health", Reply(503, b"", "text/plain"))
    fake.script("/endpoints/public-base/info", Reply(503, b"", "text/plain"))
    fake.script("/endpoints/public-base/v1/chat/completions", Reply(503, b"", "text/plain"))
    report = check_endpoint("", api_base=fake.endpoint_url("public-base"))
    assert report.level == "warn"
    assert "starting up or scaled to zero (HTTP 503)" in text(report)


def test_a_gated_model_without_access_names_where_to_ask(fake):
    fake.enforce_gating = True
    report = check_endpoint(CHAT_MODEL, api_key=NO_ACCESS_TOKEN)
    assert "is gated (access is approved by its authors)" in text(report)
    assert f"has no access (HTTP 403): ask for access on https://huggingface.co/{CHAT_MODEL}" in text(report)
    assert NO_ACCESS_TOKEN not in everything(report)


def test_a_gated_model_without_a_token_asks_for_one(fake):
    fake.enforce_gating = True
    report = check_endpoint(CHAT_MODEL, api_key=False)
    assert report.level == "fail" and "needs a token (HTTP 401)" in text(report)


def test_an_unknown_model_stops_at_the_hub(fake):
    report = check_endpoint("someone/no-such-model", api_key=False)
    assert levels(report) == ["fail"] and "no public model called someone/no-such-model" in text(report)
    assert len(report.exchanges) == 1


def test_a_model_of_another_task_is_refused_without_generating(fake):
    report = check_endpoint("google/vit-base-patch16-224")
    assert report.level == "fail" and "image-classification" in text(report)
    assert all(e.method == "GET" for e in report.exchanges)


def test_a_question_answering_model_is_probed_with_its_own_payload(fake):
    report = check_endpoint("deepset/roberta-base-squad2")
    assert report.healthy and report.route == "question-answering"
    assert set(report.exchanges[-1].request_body["inputs"]) == {"question", "context"}


def test_an_endpoint_serving_another_model_than_named_is_amber(fake):
    report = check_endpoint("gpt2", api_base=fake.endpoint_url("zephyr-tgi1"))
    assert "serves HuggingFaceH4/zephyr-7b-beta, not gpt2" in text(report)


def test_the_async_twin_finds_the_same(fake):
    sync = check_endpoint("", api_base=fake.endpoint_url("public-base"))
    playground.clear_caches()
    async_report = asyncio.run(playground.acheck_endpoint("", api_base=fake.endpoint_url("public-base")))
    strip = lambda report: [f.sentence.split(" in ")[0] for f in report.findings]  # noqa: E731 (timings differ)
    assert strip(async_report) == strip(sync)


def test_inputs_that_cannot_be_sent_raise_before_sending(fake):
    with pytest.raises(playground.BadRequestError):
        check_endpoint("", api_base="ftp://example")
    with pytest.raises(playground.BadRequestError):
        check_endpoint("gpt2", api_key="hf_bad token")
    assert fake.requests == []
