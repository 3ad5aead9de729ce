"""A shared setup link: settings in, settings out, never a token."""

from urllib.parse import parse_qs

from playground_ui.share import read_setup, setup_query
from playground_ui.turn import TurnInputs


def test_the_link_carries_what_differs_from_the_defaults_and_never_the_token():
    inputs = TurnInputs(endpoint="private", model="meta-llama/Llama-2-7b-chat-hf", api_base="https://x.endpoints.huggingface.cloud",
                        token="hf_secretCanary123456", temperature=0.2, max_tokens=256, provider="auto", system_prompt="Be brief.")
    query = setup_query(inputs)
    assert query.startswith("?") and "hf_secretCanary123456" not in query and "token" not in query
    assert parse_qs(query[1:]) == {"endpoint": ["private"], "model": ["meta-llama/Llama-2-7b-chat-hf"],
                                   "api_base": ["https://x.endpoints.huggingface.cloud"], "system_prompt": ["Be brief."], "temperature": ["0.2"]}
    back = read_setup({k: v[0] for k, v in parse_qs(query[1:]).items()})
    assert back.notes == [] and back.values["temperature"] == 0.2 and back.values["endpoint"] == "private"


def test_a_link_s_bad_parameters_are_ignored_each_with_a_note():
    shared = read_setup({"endpoint": "mars", "max_tokens": "lots", "api_base": "https://user:pw@host.example", "HF_TOKEN": "hf_x",
                         "route": "telepathy", "model": "m" * 300, "view": "slideshow", "top_p": "0.5"})
    assert shared.values == {"top_p": 0.5}
    assert len(shared.notes) == 7 and all(note.endswith(".") for note in shared.notes)
    assert "hf_x" not in " ".join(shared.notes) and "pw" not in " ".join(shared.notes)


def test_a_link_may_open_the_presenter_view():
    query = setup_query(TurnInputs(model="m/x"), view="presenter")
    assert parse_qs(query[1:])["view"] == ["presenter"]
    assert read_setup({"view": "presenter"}).values == {"view": "presenter"}
    assert "view" not in setup_query(TurnInputs(model="m/x"))  # the full view is the default, not written
