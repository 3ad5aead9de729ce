"""The code view after a turn or a change of the language chosen (payload_view.code_update):
the code of the chosen language, highlighted as that language. The turn's record is built by
hand; what each snippet holds is tested in test_turn.py."""

from playground import Exchange
from playground_ui.payload_view import code_update
from playground_ui.views import CallShape, curl_code, inference_client_code, python_code

MODEL = "HuggingFaceH4/zephyr-7b-beta"
HI = [{"role": "user", "content": "Hi"}]
CALL = CallShape(model=MODEL, messages=HI, route="chat", params={"max_tokens": 8})
SENT = Exchange("chat", "POST", "https://router.huggingface.co/v1/chat/completions", {"content-type": "application/json"},
                {"model": MODEL, "messages": HI, "max_tokens": 8}, status=200)
PLACEHOLDER = "# Send a message: the same call appears here as code."
LAST = {"call": CALL, "exchanges": [SENT]}


def test_each_language_shows_its_own_code_highlighted_as_that_language():
    assert code_update("curl", LAST) == {"__type__": "update", "value": curl_code([SENT]), "language": "shell"}
    client = inference_client_code(CALL)
    assert code_update("InferenceClient", LAST) == {"__type__": "update", "value": client, "language": "python"}
    assert code_update("Python (playground)", LAST) == {"__type__": "update", "value": python_code(CALL), "language": "python"}
    assert code_update("curl", LAST)["value"].startswith("curl -X POST https://router.huggingface.co/v1/chat/completions")


def test_before_any_turn_the_code_view_says_what_will_appear_there():
    assert code_update("curl", None) == {"__type__": "update", "value": PLACEHOLDER, "language": "python"}
