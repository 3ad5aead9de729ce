"""The sentence a person reads when a turn fails: each kind of failure the library raises, in
the page's words (the box to change, the page to visit), with the server's own words and
status in brackets. Pure: the library's exceptions as it raises them, no network."""

from __future__ import annotations

import pytest

from playground import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
)
from playground_ui.settings import AppSettings
from playground_ui.turn import budget_sentence, page_sentence
from playground_ui.visitors import Budget

GATED_MODEL = "meta-llama/Llama-3.1-8B-Instruct"
LIBRARY_SAYS = "the library's own sentence"


def test_a_question_answering_model_without_a_passage_asks_for_one_in_the_context_box():
    error = BadRequestError(LIBRARY_SAYS, code="missing_context")
    assert page_sentence(error, typed=False, serverless=True) == (
        "This model answers questions about a passage of text: paste the passage in the Context box, then send again."
    )


def test_a_token_with_spaces_in_it_is_to_be_copied_again():
    error = BadRequestError(LIBRARY_SAYS, code="malformed_token")
    assert page_sentence(error, typed=True, serverless=False) == (
        "The token in the Token box has characters a token cannot have (spaces, line breaks): copy it again from your Hugging Face settings."
    )


def test_used_up_credits_say_where_to_buy_more_and_the_servers_words():
    error = PaymentRequiredError(LIBRARY_SAYS, status_code=402, hf_error="You have exceeded your monthly included credits")
    assert page_sentence(error, typed=True, serverless=True) == (
        "Your monthly Inference Providers credits are used up (HTTP 402: You have exceeded your monthly included credits): "
        "buy pre-paid credits at https://huggingface.co/settings/billing or subscribe to PRO, put an organisation that pays in "
        "“Bill to” (generation settings), or type the token of another account in the Token box."
    )


def test_a_token_without_the_inference_providers_permission_says_where_to_give_it():
    error = PermissionDeniedError(LIBRARY_SAYS, status_code=403, hf_error="This authentication method does not have sufficient permissions")
    assert page_sentence(error, typed=True, serverless=True) == (
        "The token may not call Inference Providers (HTTP 403: This authentication method does not have sufficient permissions): "
        "give it the “Make calls to Inference Providers” permission at https://huggingface.co/settings/tokens, "
        "or type another token in the Token box."
    )


def test_a_model_no_enabled_provider_serves_names_the_provider_and_model_boxes():
    error = BadRequestError(LIBRARY_SAYS, status_code=400, hf_error="Model not supported by provider", code="model_not_supported")
    assert page_sentence(error, typed=True, serverless=True) == (
        "No provider you have enabled serves this model (HTTP 400: Model not supported by provider): choose another provider "
        "in the Provider box, another model in the Model box, or enable more providers at https://hf.co/settings/inference-providers."
    )


@pytest.mark.parametrize("serverless", [True, False])
@pytest.mark.parametrize("words", ["Access to model meta-llama/Llama-3.1-8B-Instruct is gated.", "Access to this model is restricted."])
def test_a_gated_model_asks_for_access_on_its_page(words, serverless):
    error = PermissionDeniedError(LIBRARY_SAYS, status_code=403, hf_error=words, model=GATED_MODEL)
    assert page_sentence(error, typed=True, serverless=serverless) == (
        f"{GATED_MODEL} is gated and the token's account has no access (HTTP 403: {words}): "
        "ask for access on the model's page, then send again."
    )


def test_a_gated_model_the_error_does_not_name_is_this_model():
    error = PermissionDeniedError(LIBRARY_SAYS, status_code=403, hf_error="GATED repo")
    assert page_sentence(error, typed=True, serverless=False) == (
        "This model is gated and the token's account has no access (HTTP 403: GATED repo): ask for access on the model's page, then send again."
    )


def test_a_restricted_model_asked_without_a_token_still_asks_for_one():
    # The Hub answers 401 "restricted" to a gated model asked with no token at all: the token comes first.
    error = AuthenticationError(LIBRARY_SAYS, status_code=401, hf_error="Access to model x/y is restricted.", model="x/y")
    assert page_sentence(error, typed=False, serverless=False) == (
        "This endpoint needs a token (HTTP 401: Access to model x/y is restricted.): type one (hf_...) in the Token box."
    )


def test_an_error_with_no_status_adds_no_brackets():
    error = ContextWindowExceededError(LIBRARY_SAYS)
    assert page_sentence(error, typed=False, serverless=False) == (
        "The conversation and the reply asked for are too long for this model: lower “Max new tokens” in the generation settings, "
        "or press Clear to start over."
    )


def test_an_error_with_a_status_and_no_words_shows_the_status_alone():
    error = ContextWindowExceededError(LIBRARY_SAYS, status_code=422)
    assert page_sentence(error, typed=False, serverless=False).startswith(
        "The conversation and the reply asked for are too long for this model (HTTP 422): "
    )


@pytest.mark.parametrize(
    "retry_after, typed, says",
    [
        (None, False, "Too many requests (HTTP 429): wait a minute and send again, or type your own token in the Token box."),
        (None, True, "Too many requests (HTTP 429): wait a minute and send again."),
        (30.4, False, "Too many requests (HTTP 429): wait 30 s and send again, or type your own token in the Token box."),
        (7, True, "Too many requests (HTTP 429): wait 7 s and send again."),
    ],
)
def test_too_many_requests_says_how_long_to_wait_and_offers_ones_own_token(retry_after, typed, says):
    error = RateLimitError(LIBRARY_SAYS, status_code=429, retry_after=retry_after)
    assert page_sentence(error, typed=typed, serverless=True) == says


def test_an_error_the_page_has_no_words_for_keeps_the_librarys():
    assert page_sentence(APIError(LIBRARY_SAYS, status_code=418), typed=False, serverless=False) == LIBRARY_SAYS


@pytest.mark.parametrize(
    "sign_in, ways",
    [(True, "sign in with Hugging Face or paste your own token in the Token box"), (False, "paste your own token in the Token box")],
)
def test_a_visitor_out_of_turns_is_told_when_the_next_comes_and_how_to_go_on(sign_in, ways):
    settings = AppSettings(sign_in=sign_in, visitor_turns_per_hour=1, budget=Budget(clock=lambda: 600.0))
    assert settings.budget.take("203.0.113.7", 1)
    assert budget_sentence("203.0.113.7", settings) == (
        f"You have used this Space's 1 turn an hour on its owner's account (the next one in about 60 min): {ways} to go on now."
    )
