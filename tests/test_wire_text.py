"""The wire views' text word for word: what a person reads in the Request and Response boxes
beside the chat (each request of a turn titled in order, headers as sent, bodies as indented
JSON with their own characters, a stream's events as they arrived), and the Python code view's
task arguments."""

from playground._exchange import Exchange
from playground_ui.views import CallShape, python_code, request_text, response_text


def probe() -> Exchange:
    return Exchange(purpose="Engine check", method="GET", url="https://x.endpoints.example/info",
                    request_headers={"Authorization": "Bearer hf_***"}, status=404,
                    response_headers={"content-type": "application/json"}, response_body={"error": "Not Found"})


def chat() -> Exchange:
    return Exchange(purpose="Chat", method="POST", url="https://x.endpoints.example/v1/chat/completions",
                    request_headers={"Content-Type": "application/json"},
                    request_body={"model": "tgi", "messages": [{"role": "user", "content": "Café?"}]},
                    note="The endpoint serves 'tgi'.", status=200, response_headers={"content-type": "text/event-stream"},
                    events=['{"choices":[{"delta":{"content":"Oui"}}]}', "[DONE]"], engine="TGI 3.3.4")


def test_the_request_box_lists_each_request_in_order_with_headers_and_indented_json():
    assert request_text([probe(), chat()]) == (
        "### 1 of 2: Engine check\n"
        "GET https://x.endpoints.example/info\n"
        "Authorization: Bearer hf_***\n"
        "\n"
        "### 2 of 2: Chat\n"
        "Note: The endpoint serves 'tgi'.\n"
        "POST https://x.endpoints.example/v1/chat/completions\n"
        "Content-Type: application/json\n"
        "\n"
        "{\n"
        '  "model": "tgi",\n'
        '  "messages": [\n'
        "    {\n"
        '      "role": "user",\n'
        '      "content": "Café?"\n'
        "    }\n"
        "  ]\n"
        "}"
    )
    assert request_text([chat()]).startswith("### Chat\nNote: ")  # one request: no count


def test_the_response_box_lists_each_reply_in_order_with_the_stream_events_as_they_arrived():
    assert response_text([probe(), chat()]) == (
        "### 1 of 2: Engine check\n"
        "HTTP 404\n"
        "content-type: application/json\n"
        "\n"
        "{\n"
        '  "error": "Not Found"\n'
        "}\n"
        "\n"
        "### 2 of 2: Chat\n"
        "HTTP 200\n"
        "Served by: TGI 3.3.4\n"
        "Stream: 2 events; the text they carry: “Oui”\n"
        "content-type: text/event-stream\n"
        "\n"
        "Raw events, as they arrived:\n"
        'data: {"choices":[{"delta":{"content":"Oui"}}]}\n'
        "data: [DONE]"
    )
    empty = Exchange(purpose="Chat", method="POST", url="https://x.example", request_headers={}, status=204)
    assert response_text([empty]) == "### Chat\nHTTP 204\n\n"


def test_the_python_view_carries_the_task_and_its_context():
    code = python_code(CallShape(model="deepset/roberta-base-squad2", messages=[{"role": "user", "content": "Où?"}],
                                 task="question-answering", context="Paris est en France."))
    assert ("    model='deepset/roberta-base-squad2',\n"
            '    messages=[{"role": "user", "content": "Où?"}],\n'
            "    task='question-answering',\n"
            "    context='Paris est en France.',\n"
            "    stream=True,\n") in code


def test_the_response_box_says_why_there_is_no_reply_or_where_a_stream_stopped():
    refused = Exchange(purpose="Chat", method="POST", url="https://x.example", request_headers={}, error="connection refused")
    unsent = Exchange(purpose="Chat", method="POST", url="https://x.example", request_headers={})
    assert response_text([refused]) == "### Chat\nNo response: connection refused"
    assert response_text([unsent]) == "### Chat\nNo response: the request did not complete"
    cut = chat()
    cut.events, cut.error = ['{"choices":[{"delta":{"content":"Ou"}}]}'], "stream cut short"
    assert response_text([cut]).endswith('data: {"choices":[{"delta":{"content":"Ou"}}]}\n(stream stopped: stream cut short)')
