"""Listing a token's Inference Endpoints, at its edges: where the token may go, the sentences
and exchanges of a refusal, replies that are not what the Hub or the Endpoints API sends, and
endpoints described oddly. (The everyday listing is in test_my_endpoints.py.)"""

import pytest

import playground
from fakehf import NO_PROVIDERS_TOKEN, Reply
from playground import InferenceEndpoint

TOKEN = "hf_fake_valid_user_token"
TOKENS_PAGE = "https://huggingface.co/settings/tokens"
WHOAMI = "/api/whoami-v2"


def test_with_no_configuration_the_token_goes_to_hugging_faces_own_hosts():
    from playground._endpoints import endpoint_listing
    from playground._settings import Settings

    plan = endpoint_listing(Settings(), TOKEN, [])  # the plan only says what to send: nothing leaves the machine here
    first = next(plan).request
    plan.close()
    assert (first.method, first.url, first.headers.get("Authorization")) == (
        "GET", "https://huggingface.co/api/whoami-v2", f"Bearer {TOKEN}")


def test_a_server_on_this_machine_called_localhost_may_receive_the_token(fake, monkeypatch):
    local = fake.url.replace("127.0.0.1", "localhost")
    monkeypatch.setenv("HF_ENDPOINT", local)
    monkeypatch.setenv("HF_ENDPOINTS_API_URL", local + "/v2")
    names = [e.name for e in playground.list_endpoints(api_key=TOKEN)]
    assert names == ["llama-chat-tgi", "llama31-vllm", "sleepy-vllm", "paused-one", "org-llamacpp"]
    assert fake.requests[0].headers.get("authorization") == f"Bearer {TOKEN}"


@pytest.mark.parametrize("mirror", ["https://hub-mirror.invalid", "hub-mirror.invalid"])
def test_a_refused_mirror_is_named_by_its_host_and_the_sentence_says_what_to_unset(fake, monkeypatch, mirror):
    monkeypatch.setenv("HF_ENDPOINT", mirror)
    with pytest.raises(playground.BadRequestError) as caught:
        playground.list_endpoints(api_key=TOKEN)
    assert str(caught.value) == (
        "Your token is only sent to Hugging Face hosts over https, and hub-mirror.invalid is not one: "
        "unset HF_ENDPOINT / HF_ENDPOINTS_API_URL to list your endpoints."
    )
    assert fake.requests == []


def test_a_token_refused_by_the_hub_is_said_with_its_status_and_its_exchange(fake):
    with pytest.raises(playground.AuthenticationError) as caught:
        playground.list_endpoints(api_key="hf_fake_not_a_token")
    error = caught.value
    assert str(error) == f"The token was refused (HTTP 401): it is wrong or revoked; copy a fresh one from {TOKENS_PAGE}."
    assert error.status_code == 401
    assert [(e.purpose, e.url, e.status) for e in error.exchanges] == [("who am I (GET /api/whoami-v2)", fake.url + WHOAMI, 401)]


def test_a_token_that_may_not_read_endpoints_is_said_with_its_status_and_both_exchanges(fake):
    with pytest.raises(playground.PermissionDeniedError) as caught:
        playground.list_endpoints(api_key=NO_PROVIDERS_TOKEN)
    error = caught.value
    assert str(error) == (
        "This token may not list Inference Endpoints (HTTP 403): give it the permission to read your Inference "
        f"Endpoints (fine-grained tokens) at {TOKENS_PAGE}, or use a read token. Chatting still works."
    )
    assert error.status_code == 403
    assert [(e.purpose, e.url, e.status) for e in error.exchanges] == [
        ("who am I (GET /api/whoami-v2)", fake.url + WHOAMI, 200),
        ("endpoints of read-only-user (GET /endpoint/read-only-user)", fake.endpoints_api_url + "/endpoint/read-only-user", 403),
    ]


@pytest.mark.parametrize("path", [WHOAMI, "/v2/endpoint/fake-user"])
def test_a_server_failing_is_said_with_the_url_that_failed_and_its_own_words(fake, path):
    fake.script(path, Reply(500, {"error": "upstream exploded"}))
    with pytest.raises(playground.InternalServerError) as caught:
        playground.list_endpoints(api_key=TOKEN)
    error = caught.value
    url = fake.url + path
    assert str(error).startswith(f"The endpoint at {url} failed while answering (HTTP 500: upstream exploded): try again")
    assert (error.status_code, error.hf_error) == (500, "upstream exploded")
    assert [(e.url, e.status) for e in error.exchanges][-1] == (url, 500)


def test_too_many_listings_say_how_long_to_wait(fake):
    fake.script("/v2/endpoint/fake-user", Reply(429, {"error": "slow down"}, headers={"Retry-After": "7"}))
    with pytest.raises(playground.RateLimitError) as caught:
        playground.list_endpoints(api_key=TOKEN)
    assert caught.value.retry_after == 7
    assert "(HTTP 429: slow down): wait 7 s and try again" in str(caught.value)


NOT_AN_ACCOUNT = "an account description"
NOT_A_LIST = "a list of endpoints"


@pytest.mark.parametrize(
    ("path", "reply", "what", "said"),
    [
        (WHOAMI, Reply(200, "upstream says hi", "text/plain"), NOT_AN_ACCOUNT, " (upstream says hi)"),
        (WHOAMI, Reply(200, ["fake-user"]), NOT_AN_ACCOUNT, ""),
        (WHOAMI, Reply(200, {"name": ""}), NOT_AN_ACCOUNT, ""),
        (WHOAMI, Reply(200, {"name": 42}), NOT_AN_ACCOUNT, ""),
        ("/v2/endpoint/fake-user", Reply(200, "upstream says hi", "text/plain"), NOT_A_LIST, " (upstream says hi)"),
        ("/v2/endpoint/fake-user", Reply(200, [{"name": "x"}]), NOT_A_LIST, ""),
        ("/v2/endpoint/fake-user", Reply(200, {"items": "none"}), NOT_A_LIST, ""),
    ],
)
def test_a_reply_that_is_not_an_account_or_a_list_of_endpoints_is_said_with_the_exchanges(fake, path, reply, what, said):
    fake.script(path, reply)
    with pytest.raises(playground.APIError) as caught:
        playground.list_endpoints(api_key=TOKEN)
    error = caught.value
    assert str(error) == (
        f"The endpoint's reply is not {what}{said}: check that the URL points at a model server of that kind; "
        "the full reply is in the payload view."
    )
    assert [e.url for e in error.exchanges][-1] == fake.url + path
    assert error.status_code == 200


def test_organisations_that_refuse_are_skipped_and_the_next_ones_still_listed(fake):
    orgs = [{"name": "no-billing-org"}, "junk", {"name": None}, {"type": "org"}, {"name": "fake-org"}]
    fake.script(WHOAMI, Reply(200, {"name": "fake-user", "orgs": orgs}))
    fake.script("/v2/endpoint/no-billing-org", Reply(403, {"error": "no access to this organisation's endpoints"}))
    found = [(e.namespace, e.name) for e in playground.list_endpoints(api_key=TOKEN)]
    assert found[-1] == ("fake-org", "org-llamacpp") and len(found) == 5
    asked = [WHOAMI, "/v2/endpoint/fake-user", "/v2/endpoint/no-billing-org", "/v2/endpoint/fake-org"]
    assert [s.path for s in fake.requests] == asked


def test_an_organisation_answering_anything_but_a_refusal_is_not_skipped(fake):
    fake.script("/v2/endpoint/fake-org", Reply(404, {"error": "gone"}))
    with pytest.raises(playground.NotFoundError):
        playground.list_endpoints(api_key=TOKEN)


def test_a_namespace_stays_one_segment_of_the_url_whatever_its_characters(fake):
    fake.script(WHOAMI, Reply(200, {"name": "odd/name", "orgs": []}))
    with pytest.raises(playground.NotFoundError) as caught:  # the fake has no such namespace
        playground.list_endpoints(api_key=TOKEN)
    assert caught.value.exchanges[-1].url == fake.endpoints_api_url + "/endpoint/odd%2Fname"


def test_an_endpoint_is_described_with_its_task_type_and_the_apis_words_about_its_state(fake):
    found = {e.name: e for e in playground.list_endpoints(api_key=TOKEN)}
    assert found["llama31-vllm"] == InferenceEndpoint(
        name="llama31-vllm", namespace="fake-user", state="running", url=fake.endpoint_url("vllm-chat"),
        model="meta-llama/Llama-3.1-8B-Instruct", engine="vllm", task="text-generation", type="public",
        message="Endpoint is ready",
    )
    assert (found["paused-one"].message, found["paused-one"].type) == ("Endpoint paused", "protected")


def test_an_endpoint_described_oddly_is_kept_with_what_can_be_read_and_junk_is_left_out(fake):
    items = [
        "junk",
        {"type": "public"},
        {"name": 5},
        {"name": "bare"},
        {"name": "odd", "type": "", "model": {"repository": 7, "task": "", "image": {"tensorRT": {"url": "x"}}},
         "status": {"state": "", "url": 42, "message": None}},
        {"name": "strange", "model": "vllm", "status": ["running"]},
    ]
    fake.script("/v2/endpoint/fake-user", Reply(200, {"items": items}))
    found = [e for e in playground.list_endpoints(api_key=TOKEN) if e.namespace == "fake-user"]
    nothing = dict(state=None, url=None, model=None, engine=None, task=None, type=None, message=None)
    assert found == [
        InferenceEndpoint(name="bare", namespace="fake-user", **nothing),
        InferenceEndpoint(name="odd", namespace="fake-user", **{**nothing, "engine": "tensorRT"}),  # unknown engine: its own name
        InferenceEndpoint(name="strange", namespace="fake-user", **nothing),
    ]
