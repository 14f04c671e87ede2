"""Wilson intervals against statsmodels; p-chart limits by hand; each run rule on a built series."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from rca.errors import UsageError
from rca.trends.stats import (
    ALL_RULES,
    DEFAULT_RULES,
    p_chart,
    run_rules,
    wilson,
    wilson_interval,
    z_value,
)

MONTHS = [date(2025, m, 1) for m in range(1, 13)] + [date(2026, m, 1) for m in range(1, 13)]


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_wilson_matches_statsmodels(confidence: float) -> None:
    rng = np.random.default_rng(7)
    n = rng.integers(1, 5000, 400)
    x = np.minimum(rng.integers(0, 5000, 400), n)
    x[:20], x[20:40] = 0, n[20:40]  # the edges: no successes, all successes
    low, high = wilson_interval(x, n, confidence)
    ref_low, ref_high = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    assert np.max(np.abs(low - ref_low)) < 1e-12
    assert np.max(np.abs(high - ref_high)) < 1e-12


def test_wilson_worked_example() -> None:
    # Newcombe (1998), example 81/263: 0.2553 to 0.3662 (95 %).
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_wilson_empty_is_nan_and_z_checks_confidence() -> None:
    assert all(math.isnan(v) for v in wilson(0, 0))
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    with pytest.raises(UsageError, match="confidence must be between 0 and 1"):
        z_value(1.5)


def test_p_chart_limits_follow_the_hand_formula() -> None:
    n = [200, 400, 100, 250]
    x = [190, 378, 96, 236]
    chart = p_chart("attr", MONTHS[:4], n, x)  # fewer than 8 periods: all are the baseline
    p_bar = sum(x) / sum(n)
    assert chart.centre == pytest.approx(p_bar, abs=1e-15)
    assert chart.baseline_periods == 4
    for point, ni, xi in zip(chart.points, n, x, strict=True):
        sigma = math.sqrt(p_bar * (1 - p_bar) / ni)
        assert point.sigma == pytest.approx(sigma, abs=1e-15)
        assert point.lcl == pytest.approx(p_bar - 3 * sigma, abs=1e-15)
        assert point.ucl == pytest.approx(min(1.0, p_bar + 3 * sigma), abs=1e-15)
        assert point.z == pytest.approx((xi / ni - p_bar) / sigma, abs=1e-12)
    assert chart.flagged == []


def test_limits_are_clipped_to_zero_and_one() -> None:
    chart = p_chart("rare", MONTHS[:3], [20, 20, 20], [19, 20, 20])
    assert all(p.ucl == 1.0 for p in chart.points)
    chart = p_chart("rare", MONTHS[:3], [20, 20, 20], [1, 0, 0])
    assert all(p.lcl == 0.0 for p in chart.points)


def test_the_centre_comes_from_the_baseline_and_a_later_shift_does_not_move_it() -> None:
    n = [500] * 12
    x = [485] * 6 + [440] * 6  # 97 % then 88 %
    chart = p_chart("shifted", MONTHS[:12], n, x)
    assert chart.baseline_periods == 6
    assert chart.centre == pytest.approx(0.97)
    assert [p.flagged for p in chart.points] == [False] * 6 + [True] * 6
    assert all(p.side == "below" for p in chart.flagged)


def test_a_wild_baseline_period_is_dropped_from_the_centre_line() -> None:
    x = [485, 485, 400, 485, 485, 485, 485, 485]  # period 3 is far out
    chart = p_chart("revised", MONTHS[:8], [500] * 8, x, baseline=8)
    assert chart.centre == pytest.approx(0.97)
    assert [p.excluded for p in chart.points] == [False, False, True] + [False] * 5
    assert [p.rules for p in chart.flagged] == [("beyond_3sigma",)]


def test_sparse_periods_carry_a_note() -> None:
    chart = p_chart("rare", MONTHS[:4], [50, 50, 50, 50], [49, 50, 49, 49])
    assert chart.sparse_periods == 4
    assert chart.note is not None and "fewer than 5 failures" in chart.note
    assert p_chart("big", MONTHS[:2], [1000, 1000], [950, 960]).note is None


def test_bad_input_is_refused() -> None:
    with pytest.raises(UsageError, match="same length"):
        p_chart("m", MONTHS[:2], [1, 2, 3], [1, 2, 3])
    with pytest.raises(UsageError, match="n > 0"):
        p_chart("m", MONTHS[:2], [0, 2], [0, 1])
    with pytest.raises(UsageError, match="unknown run rule"):
        p_chart("m", MONTHS[:2], [2, 2], [1, 1], rules=["nine_in_a_row"])  # type: ignore[list-item]


# --------------------------------------------------------------------------- run rules

STABLE = [0.3, -0.8, 1.1, -0.2, 0.6, -1.4, 0.9, -0.5, 0.1, -0.9, 1.3, -0.3, 0.4, -1.0]


def flagged(z: list[float], rule: str) -> list[int]:
    return [int(i) for i in np.flatnonzero(run_rules(z, ALL_RULES)[rule])]  # type: ignore[index]


def test_no_rule_fires_on_a_stable_series() -> None:
    assert all(not v.any() for v in run_rules(STABLE, ALL_RULES).values())


def test_beyond_3sigma() -> None:
    z = [*STABLE[:5], -3.2, *STABLE[5:], 3.01]
    assert flagged(z, "beyond_3sigma") == [5, len(z) - 1]
    assert flagged([3.0, -3.0], "beyond_3sigma") == []  # on the limit is inside


def test_two_of_three_beyond_2sigma_on_one_side() -> None:
    z = [0.1, 2.3, 0.4, 2.1, 0.0, -2.5, 2.5, -2.2]
    # 2.3, 0.4, 2.1 -> flags the 2.1; -2.5, 2.5, -2.2 -> the -2.2 (same side counts)
    assert flagged(z, "two_of_three_beyond_2sigma") == [3, 7]
    assert flagged([2.5, 2.5, 0.0], "two_of_three_beyond_2sigma") == [1]  # not the quiet third


def test_four_of_five_beyond_1sigma() -> None:
    z = [1.2, 1.5, 0.2, 1.1, 1.9, -0.3]
    assert flagged(z, "four_of_five_beyond_1sigma") == [4]
    assert flagged([1.2, 1.5, 0.2, -1.1, 1.9], "four_of_five_beyond_1sigma") == []


def test_eight_in_a_row_on_one_side() -> None:
    z = [0.5, -0.1, *[-0.4] * 7, -0.2, 0.3]
    # the run of negatives starts at index 1 and reaches 8 at index 8, 9 at index 9
    assert flagged(z, "eight_on_one_side") == [8, 9]
    assert flagged([0.2] * 7 + [0.0] + [0.2] * 7, "eight_on_one_side") == []  # centre breaks it


def test_default_rules_leave_out_four_of_five() -> None:
    assert "four_of_five_beyond_1sigma" not in DEFAULT_RULES
    chart = p_chart("m", MONTHS[:4], [100] * 4, [90] * 4, rules=ALL_RULES)
    assert chart.rules == ALL_RULES
