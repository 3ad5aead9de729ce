"""Choosing one of a person's own Inference Endpoints: the kind, URL and model it sets on the
page, and the sentence about its state the person reads. Pure: endpoints as the Endpoints
API describes them."""

from __future__ import annotations

import pytest

from playground import InferenceEndpoint
from playground_ui.my_endpoints import PRIVATE, PUBLIC, Chosen, choose, label

URL = "https://abc123.us-east-1.aws.endpoints.huggingface.cloud"
MODEL = "meta-llama/Llama-3.1-8B-Instruct"


def endpoint(state: str | None, url: str | None = URL, **more) -> InferenceEndpoint:
    return InferenceEndpoint(**{"name": "my-llama", "namespace": "fake-user", "state": state, "url": url, "model": MODEL,
                                "engine": "vllm", "type": "protected", **more})


@pytest.mark.parametrize(
    "state, says",
    [
        (None, "⚠️ my-llama has no URL yet (not deployed): resume or deploy it in your Inference Endpoints settings first."),
        ("", "⚠️ my-llama has no URL yet (not deployed): resume or deploy it in your Inference Endpoints settings first."),
        ("scaledToZero", "⚠️ my-llama has no URL yet (scaled to zero): resume or deploy it in your Inference Endpoints settings first."),
        ("paused", "⚠️ my-llama has no URL yet (paused): resume or deploy it in your Inference Endpoints settings first."),
        ("deleting", "⚠️ my-llama has no URL yet (deleting): resume or deploy it in your Inference Endpoints settings first."),
    ],
)
def test_an_endpoint_without_a_url_says_to_deploy_it_first_and_why(state, says):
    assert choose(endpoint(state, url=None)).sentence == says


@pytest.mark.parametrize(
    "state, more, says",
    [
        ("running", {}, "my-llama is running vLLM."),
        ("running", {"engine": None}, "my-llama is running."),
        ("running", {"engine": "tgi"}, "my-llama is running TGI."),
        ("scaledToZero", {}, "my-llama is scaled to zero: the first message wakes it, and the chat shows the wait (a few minutes at most)."),
        ("paused", {}, "⚠️ my-llama is paused: resume it in your Inference Endpoints settings, then send a message."),
        ("failed", {}, "⚠️ my-llama failed: check its logs in your Inference Endpoints settings."),
        ("failed", {"message": "Container exited with code 1"},
         "⚠️ my-llama failed (Container exited with code 1): check its logs in your Inference Endpoints settings."),
        ("updateFailed", {}, "⚠️ my-llama update failed: check its logs in your Inference Endpoints settings."),
        ("updateFailed", {"message": "Out of memory"}, "⚠️ my-llama update failed (Out of memory): check its logs in your Inference Endpoints settings."),
        ("initializing", {}, "my-llama is starting: a message sent now may wait for it."),
        ("pending", {}, "my-llama is waiting to be scheduled: a message sent now may wait for it."),
        ("deleting", {}, "my-llama is deleting: a message sent now may wait for it."),
        (None, {}, "my-llama is in an unknown state: a message sent now may wait for it."),
        ("", {}, "my-llama is in an unknown state: a message sent now may wait for it."),
    ],
)
def test_choosing_a_deployed_endpoint_says_its_state_in_words(state, more, says):
    assert choose(endpoint(state, **more)).sentence == says


def test_choosing_sets_the_endpoint_kind_its_url_and_its_model():
    assert choose(endpoint("running")) == Chosen(PRIVATE, URL, MODEL, "my-llama is running vLLM.")
    assert choose(endpoint("running", type="public")).kind == PUBLIC


def test_an_endpoint_with_no_model_named_is_asked_as_tgi_and_one_without_url_leaves_the_box_empty():
    chosen = choose(endpoint("paused", url=None, model=None))
    assert (chosen.url, chosen.model) == ("", "tgi")


@pytest.mark.parametrize("state, shown", [(None, "state unknown"), ("", "state unknown"), ("scaledToZero", "scaled to zero"), ("deleting", "deleting")])
def test_the_list_labels_an_endpoint_with_its_state_in_words(state, shown):
    assert label(endpoint(state)) == f"my-llama (fake-user) · {shown} · {MODEL} · vLLM"
