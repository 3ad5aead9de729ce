"""The error classes: one class per HTTP status family, and the attributes code written for LiteLLM or openai reads."""

import pickle

import pytest

import playground
from fakehf import Reply
from playground import completion

TOKEN = "hf_fake_valid_user_token"
CHAT = [{"role": "user", "content": "Hi"}]
ZEPHYR = "HuggingFaceH4/zephyr-7b-beta"
CHAT_PATH = f"/hf-inference/models/{ZEPHYR}/v1/chat/completions"
LLAMA = "meta-llama/Llama-3.1-8B-Instruct"


@pytest.mark.parametrize(
    "status, kind",
    [
        (400, playground.BadRequestError), (401, playground.AuthenticationError), (402, playground.PaymentRequiredError),
        (403, playground.PermissionDeniedError), (404, playground.NotFoundError), (410, playground.NotFoundError),
        (411, playground.APIError), (418, playground.APIError), (422, playground.BadRequestError),
        (424, playground.InternalServerError),
        (429, playground.RateLimitError), (500, playground.InternalServerError), (501, playground.InternalServerError),
        (503, playground.ServiceUnavailableError),
    ],
)
def test_each_error_status_raises_its_own_class(fake, status, kind):
    fake.script(CHAT_PATH, *[Reply(status, {"error": "no"})] * 3)
    with pytest.raises(playground.APIError) as caught:
        completion(model=ZEPHYR, messages=CHAT, task="conversational", api_key=TOKEN, wait_for_model=False)
    assert type(caught.value) is kind and caught.value.status_code == status


def test_a_gone_provider_is_not_found_and_named_on_the_error(fake):
    fake.script("/v1/chat/completions", Reply(410, {"error": "Model is no longer served by this provider"}))
    with pytest.raises(playground.NotFoundError) as caught:
        completion(model=f"{LLAMA}:novita", messages=CHAT, api_key=TOKEN)
    error = caught.value
    assert error.provider == "novita" and str(error).startswith(f"novita no longer serves {LLAMA}")


def test_errors_carry_the_attributes_litellm_and_openai_code_reads(fake):
    fake.script("/v1/chat/completions", Reply(500, {"error": "provider crashed"}))
    with pytest.raises(playground.InternalServerError) as caught:
        completion(model=f"{LLAMA}:together", messages=CHAT, api_key=TOKEN)
    error = caught.value
    sentence = str(error)
    assert sentence.startswith("The provider together failed while answering")
    assert error.llm_provider == "huggingface" and error.provider == "together" and error.status_code == 500
    assert error.args == (sentence,) and sentence in repr(error)  # what logs and the REPL show
    copy = pickle.loads(pickle.dumps(error))  # across processes (multiprocessing, task queues)
    assert type(copy) is playground.InternalServerError and str(copy) == sentence and copy.args == (sentence,)


@pytest.mark.parametrize("blank", ["", "   ", "\n\n"])
def test_an_error_reply_with_a_blank_body_reads_as_no_detail_not_as_quoted_blanks(fake, blank):
    fake.script("/endpoints/public-base", Reply(500, blank, "text/plain"))
    with pytest.raises(playground.InternalServerError) as caught:
        completion(model="meta-llama/Llama-2-7b-hf", messages=[{"role": "user", "content": "Hi"}],
                   api_base=fake.endpoint_url("public-base"))
    assert '"' not in str(caught.value) and caught.value.hf_error is None
