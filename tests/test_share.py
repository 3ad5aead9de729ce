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


def test_a_link_round_trips_every_setting_a_person_can_share():
    inputs = TurnInputs(endpoint="public", model="", api_base="http://my-tgi.example:8080", seed="42", route="chat",
                        max_tokens=4096, temperature=0.0, top_p=1.0, provider="auto", stop="###")
    query = parse_qs(setup_query(inputs)[1:], keep_blank_values=True)
    assert query == {"endpoint": ["public"], "model": [""], "api_base": ["http://my-tgi.example:8080"], "stop": ["###"],
                     "route": ["chat"], "max_tokens": ["4096"], "temperature": ["0.0"], "top_p": ["1.0"], "seed": ["42"]}
    back = read_setup({k: v[0] for k, v in query.items()})
    assert back.notes == []
    assert back.values == {"endpoint": "public", "model": "", "api_base": "http://my-tgi.example:8080", "stop": "###", "route": "chat",
                           "max_tokens": 4096, "temperature": 0.0, "top_p": 1.0, "seed": "42"}
    # The Default endpoint has no URL: a stale one in the box is not shared.
    assert "api_base" not in setup_query(TurnInputs(endpoint="default", model="m", api_base="http://old.example"))
    assert "api_base" not in setup_query(TurnInputs(endpoint="private", model="m", api_base="  "))


def test_a_links_edges_are_read_as_meant():
    assert read_setup({"provider": "", "system_prompt": ""}).values == {"provider": "auto", "system_prompt": ""}
    assert read_setup({"__theme": "dark", "HF_TOKEN": "hf_x", "Token": "hf_y", "model": "m"}).values == {"model": "m"}
    assert read_setup({"stop": "s" * 200}).values == {"stop": "s" * 200}  # exactly at its limit
    assert read_setup({"max_tokens": "1", "top_p": "0.01"}).values == {"max_tokens": 1, "top_p": 0.01}
    assert read_setup({"view": "full"}).values == {"view": "full"}


def test_each_ignored_parameter_gets_its_own_sentence():
    notes = read_setup({"endpoint": "mars", "view": "slideshow", "route": "telepathy", "max_tokens": "0", "stop": "s" * 201,
                        "api_base": "ftp://x.example", "token": "hf_x", "colour": "blue"}).notes
    assert notes == [
        "endpoint='mars' is not one of default, public, private, local; the default endpoint is kept.",
        "view='slideshow' is not one of presenter, full; the full view is kept.",
        "route='telepathy' is not one of auto, chat, text generation, question answering; auto is kept.",
        "max_tokens='0' is not a number from 1 to 4096; the default is kept.",
        "stop is longer than 200 characters, so it was ignored.",
        "api_base is not an http(s) address without credentials, so it was ignored.",
        "A link never carries a token, so the one in this link was ignored: type yours in the Token box.",
        "The link's parameter 'colour' is not a setting of this page, so it was ignored.",
    ]
