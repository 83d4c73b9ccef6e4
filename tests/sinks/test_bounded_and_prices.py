"""The bounded tables behind the metrics, and the price table of the cost estimates."""

from __future__ import annotations

import pytest

from llmgine.sinks import DEFAULT_PRICES, OTHER, ModelPrice
from llmgine.sinks._bounded import BoundedTable
from llmgine.sinks._prices import price_for


class Cell:
    def __init__(self) -> None:
        self.n = 0

    def fold(self, other: Cell) -> None:
        self.n += other.n


def test_a_full_table_folds_its_least_recently_used_row_into_other() -> None:
    table = BoundedTable[str, Cell](2, Cell, Cell.fold)
    table.row("a").n += 1
    table.row("b").n += 2
    table.row("a").n += 1  # "a" is now the most recent
    table.row("c").n += 4  # "b" goes
    assert {key: cell.n for key, cell in table.items()} == {"a": 2, "c": 4}
    assert table.other is not None
    assert table.other.n == 2
    assert table.folded == 1
    for n in range(100):
        table.row(f"k{n}").n += 1
    assert len(table) == 2
    total = sum(cell.n for _, cell in table.items()) + table.other.n
    assert total == 2 + 2 + 4 + 100  # folding loses nothing from the totals


def test_a_table_needs_room_for_one_key() -> None:
    with pytest.raises(ValueError, match="max_keys"):
        BoundedTable[str, Cell](0, Cell, Cell.fold)


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("openai:gpt-4o-mini", "openai:gpt-4o-mini"),
        ("openai:gpt-4o-mini-2024-07-18", "openai:gpt-4o-mini"),
        ("openai:gpt-4o", "openai:gpt-4o"),
        ("anthropic:claude-haiku-4-5-20251001", "anthropic:claude-haiku-4-5"),
        ("anthropic:claude-3-5-haiku-latest", "anthropic:claude-3-5-haiku"),
        ("offline:stand-in", "offline:*"),
        ("ollama:llama3.2", "ollama:*"),
    ],
)
def test_a_model_is_priced_exactly_or_without_its_date(model: str, key: str) -> None:
    assert price_for(model, DEFAULT_PRICES) is DEFAULT_PRICES[key]


@pytest.mark.parametrize(
    "model", ["openai:gpt-4o-audio-preview", "openai:my-fine-tune", "mystery:model", "gpt-4o"]
)
def test_a_model_that_matches_nothing_has_no_price(model: str) -> None:
    assert price_for(model, DEFAULT_PRICES) is None


def test_cost_is_per_million_tokens() -> None:
    price = ModelPrice(input_per_million=2.5, output_per_million=10)
    assert price.cost(1_000_000, 0) == 2.5
    assert price.cost(2_000, 500) == pytest.approx(0.005 + 0.005)
    with pytest.raises(ValueError, match="greater than or equal to 0"):
        ModelPrice(input_per_million=-1, output_per_million=0)


def test_the_other_key_is_not_a_plausible_name() -> None:
    assert OTHER == "<other>"
