"""The task line above the chat, word for word, for each kind of place a model runs and each
thing that may be unknown about it, and the route of the last turn added to it. Route
information is built by hand here: what the library learns is tested with the fake elsewhere."""

from playground import Exchange, RouteInfo
from playground_ui.views import task_line, with_last_route


def info(route: str, **known) -> RouteInfo:
    return RouteInfo(route, known.pop("task", None), known.pop("source", None), [], **known)


def sent(purpose: str) -> Exchange:
    return Exchange(purpose, "POST", "https://example.org/", {})


def shown(plain: str, details: str) -> str:
    return f'{plain}  \n<span class="task-details">{details}</span>'


def test_a_route_the_page_has_no_words_for_yet_still_reads_plainly():
    line = task_line(info("fill-mask", task="fill-mask", source="hub"))
    assert line == shown("**Answers**", "Task: fill-mask (from the Hub) · route: fill-mask")


def test_through_inference_providers_an_unknown_task_is_left_out_not_named_none():
    assert task_line(info("chat", router=True)) == shown("**Chats with you** through Inference Providers", "route: chat")


def test_a_task_container_shows_its_task_and_where_it_came_from_not_an_engine():
    container = info("question-answering", task="question-answering", source="endpoint /info", engine="container")
    assert task_line(container) == shown(
        "**Answers questions about a passage you paste**",
        "Task: question-answering (from the endpoint's /info) · route: question-answering",
    )


def test_an_engine_without_a_version_or_a_served_name_is_named_alone():
    assert task_line(info("chat", engine="vllm")) == shown("**Chats with you** on vLLM", "Engine: vLLM · route: chat")


def test_only_tgi_s_info_gives_a_task_worth_naming_on_an_engine_line():
    vllm = info("chat", task="text-generation", source="endpoint /v1/models", engine="vllm", engine_version="0.11.0",
                served_model="llama-xyz")
    assert task_line(vllm) == shown("**Chats with you** on vLLM 0.11.0", "Engine: vLLM 0.11.0 · serves llama-xyz · route: chat")


def test_a_task_given_by_hand_is_named_without_a_source_and_an_unknown_one_says_so():
    forced = info("text-generation", task="text-generation", source="task=")
    assert task_line(forced) == shown("**Continues the text you give it**", "Task: text-generation · route: text-generation")
    assert task_line(info("chat")) == shown("**Chats with you**", "Task: unknown · route: chat")


def test_the_last_turn_s_route_is_said_once_at_the_end_of_the_details_even_when_a_served_name_holds_markup():
    odd = task_line(info("chat", engine="vllm", served_model="my</span>model"))
    line = with_last_route(odd + "\n\n⚠️ a note", [sent("chat")])
    assert line.count("last turn") == 1
    assert line.endswith(" · route: chat · last turn: chat</span>\n\n⚠️ a note")


def test_an_endpoints_served_name_and_version_are_shown_as_text_not_markup():
    line = task_line(info("chat", engine="vllm", engine_version="0.11<script>", served_model="<img src=x onerror=alert(1)>"))
    assert "<img" not in line and "<script>" not in line
    assert "serves &lt;img src=x onerror=alert(1)&gt; · " in line and "vLLM 0.11&lt;script&gt;" in line
