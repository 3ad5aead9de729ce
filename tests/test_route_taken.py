"""The task line's "last turn: <route>" after a turn: the route of the last generation
request, read from its purpose (a retry after loading, a fallback, a retry without some
settings), never a look-up."""

from playground import Exchange
from playground_ui.views import with_last_route

LINE = '**Chats with you**  \n<span class="task-details">Task: text-generation (from the Hub) · route: chat</span>'


def shown(*purposes: str) -> str:
    return with_last_route(LINE, [Exchange(p, "POST", "https://x.example/", {}) for p in purposes])


def last_turn(route: str) -> str:
    return LINE.replace("</span>", f" · last turn: {route}</span>")


def test_a_chat_request_retried_after_the_model_loaded_is_a_chat_turn():
    assert shown("chat, retry after the model loaded for 20 s") == last_turn("chat")


def test_a_retry_without_unsupported_settings_is_a_text_generation_turn():
    assert shown("retry without seed, top_p") == last_turn("text-generation")


def test_a_fallback_to_text_generation_says_the_model_has_no_chat_template():
    assert shown("chat", "fallback to text-generation (no chat template)") == last_turn("text-generation (no chat template)")


def test_a_turn_of_look_ups_only_leaves_the_line_as_it_was():
    assert shown("model info") == LINE
