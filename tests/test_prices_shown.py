"""A turn's cost as the figures line shows it: two significant digits for small amounts,
cents from one cent up, "$0" for nothing."""

from playground_ui.views import Figures, metrics_markdown


def cost_shown(cost: float) -> str:
    line = metrics_markdown(Figures(route="chat", cost=cost))
    return line.split("**cost** ")[1].split(" · ")[0]


def test_amounts_from_one_cent_up_are_shown_in_cents():
    assert cost_shown(0.5) == "≈ $0.50"
    assert cost_shown(1.25) == "≈ $1.25"
    assert cost_shown(0.01) == "≈ $0.01"


def test_smaller_amounts_are_shown_with_two_significant_digits_and_no_trailing_zeros():
    assert cost_shown(0.0013) == "≈ $0.0013"
    assert cost_shown(0.00123) == "≈ $0.0012"
    assert cost_shown(0.00002) == "≈ $0.00002"
    assert cost_shown(0.001) == "≈ $0.001"


def test_a_free_turn_costs_zero_dollars():
    assert cost_shown(0.0) == "≈ $0"
