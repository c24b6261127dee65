"""The notebook display shows what disclosure control lets through."""

from __future__ import annotations

import pandas as pd

from survey.disclosure import DisclosurePolicy, protect_estimates
from survey.notebook import styled


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "variable": "q",
            "stat": "proportion",
            "level": ["a", "b", "c"],
            "estimate": [0.5, 0.45, 0.05],
            "ci_low": [0.4, 0.35, 0.01],
            "ci_high": [0.6, 0.55, 0.1],
            "n": 100,
            "n_level": [50, 45, 5],
            "flag": "",
        }
    )


def test_a_published_table_shows_c_and_no_hidden_value() -> None:
    html = styled(protect_estimates(_table(), DisclosurePolicy())).to_html()
    assert html.count("[c]") >= 4  # two estimates, their status
    assert "45% (35–55%)" not in html and "5% (1–10%)" not in html
    assert "50% (40–60%)" in html


def test_a_raw_table_is_shown_as_is_for_analysts() -> None:
    html = styled(_table()).to_html()
    assert "[c]" not in html and "5% (1–10%)" in html
