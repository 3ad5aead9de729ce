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


def test_a_turn_costs_its_tokens_at_the_providers_prices_and_nothing_is_guessed_without_them():
    from playground import ProviderOffer
    from playground_ui.providers import turn_cost

    usage = {"prompt_tokens": 1000, "completion_tokens": 2000}
    assert turn_cost(usage, ProviderOffer("novita", input_price=0.5, output_price=2.0)) == 0.0045
    assert turn_cost(usage, ProviderOffer("novita", input_price=None, output_price=2.0)) is None
    assert turn_cost(usage, ProviderOffer("novita", input_price=0.5, output_price=None)) is None
    assert turn_cost(usage, None) is None
    assert turn_cost(None, ProviderOffer("novita", input_price=0.5, output_price=2.0)) is None
    assert turn_cost({"prompt_tokens": 1000}, ProviderOffer("novita", input_price=0.5, output_price=2.0)) is None


def test_the_provider_choice_is_added_to_the_model_unless_it_has_one_already():
    from playground_ui.providers import find, with_provider

    assert with_provider("meta-llama/Llama-3.1-8B-Instruct", "novita") == "meta-llama/Llama-3.1-8B-Instruct:novita"
    assert with_provider("meta-llama/Llama-3.1-8B-Instruct:cheapest", "novita") == "meta-llama/Llama-3.1-8B-Instruct:cheapest"
    assert with_provider("meta-llama/Llama-3.1-8B-Instruct", "auto") == "meta-llama/Llama-3.1-8B-Instruct"
    assert find([], "meta-llama/Llama-3.1-8B-Instruct:novita") is None  # a model the router does not list
