"""A shared setup link at its edges: what a link leaves out (an empty URL box, an empty seed),
Gradio's own theme parameter passing without a note, and how much of a long bad value or
name a note quotes. (The everyday link is in test_share.py.)"""

from urllib.parse import parse_qs

from playground_ui.share import read_setup, setup_query
from playground_ui.turn import TurnInputs

LONG = "abcdefghij" * 5  # 50 characters


def test_a_link_leaves_out_an_empty_url_box_and_an_empty_seed_box():
    query = setup_query(TurnInputs(endpoint="public", model="m/x", api_base="", seed=""))
    assert parse_qs(query[1:], keep_blank_values=True) == {"endpoint": ["public"], "model": ["m/x"]}


def test_gradio_s_theme_parameter_is_passed_over_without_a_note():
    shared = read_setup({"__theme": "dark", "model": "m/x"})
    assert (shared.values, shared.notes) == ({"model": "m/x"}, [])


def test_a_note_quotes_at_most_forty_characters_of_a_bad_choice_or_an_unknown_name():
    notes = read_setup({"endpoint": LONG, "view": LONG, "route": LONG, LONG: "1"}).notes
    quoted = repr(LONG[:40])
    assert notes == [
        f"endpoint={quoted} is not one of default, public, private, local; the default endpoint is kept.",
        f"view={quoted} is not one of presenter, full; the full view is kept.",
        f"route={quoted} is not one of auto, chat, text generation, question answering; auto is kept.",
        f"The link's parameter {quoted} is not a setting of this page, so it was ignored.",
    ]


def test_a_note_quotes_at_most_twenty_characters_of_a_bad_number():
    said = f"temperature={LONG[:20]!r} is not a number from 0.0 to 2.0; the default is kept."
    assert read_setup({"temperature": LONG}).notes == [said]


def test_any_text_setting_that_is_not_empty_goes_in_the_link_whatever_its_letters():
    inputs = TurnInputs(model="m/x", system_prompt="XXXX", stop="XXXX", bill_to="XXXX")  # a placeholder-looking value is a value
    assert parse_qs(setup_query(inputs)[1:]) == {
        "endpoint": ["default"], "model": ["m/x"], "system_prompt": ["XXXX"], "stop": ["XXXX"], "bill_to": ["XXXX"]}
