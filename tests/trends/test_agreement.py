"""Agreement statistics against scikit-learn, statsmodels, `krippendorff` and published examples."""

from __future__ import annotations

import math
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from rca.errors import UsageError
from rca.trends.agreement import (
    assess,
    calibration_agreement,
    category_counts,
    cohen_kappa,
    fleiss_kappa,
    fleiss_on_common_count,
    krippendorff_alpha,
    lights_kappa,
    percent_agreement,
    prevalence,
    rating_matrices,
)
from rca.trends.generate import AMBIGUOUS_ATTRIBUTE
from rca.trends.qa import read_qa

ROOT = Path(__file__).parent.parent.parent
NAN = np.nan


def random_ratings(seed: int, items: int, raters: int, cats: int, missing: float) -> np.ndarray:
    """Correlated ratings: a true category per item, each rater right 70 % of the time."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, cats, items)
    noise = rng.integers(0, cats, (items, raters))
    ratings = np.where(rng.random((items, raters)) < 0.7, truth[:, None], noise).astype(float)
    ratings[rng.random((items, raters)) < missing] = NAN
    return ratings


# --------------------------------------------------------------------------- Cohen


def test_cohen_kappa_matches_scikit_learn() -> None:
    worst = 0.0
    for seed in range(60):
        r = random_ratings(seed, 80, 2, 2 + seed % 4, 0.0)
        ours = cohen_kappa(r[:, 0], r[:, 1])
        worst = max(worst, abs(ours - cohen_kappa_score(r[:, 0], r[:, 1])))
    assert worst < 1e-12


def test_cohen_kappa_worked_example() -> None:
    # 50 proposals: both yes 20, A yes B no 5, A no B yes 10, both no 15 -> po 0.7, pe 0.5.
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4, abs=1e-12)


def test_cohen_kappa_skips_items_either_reviewer_missed() -> None:
    a = np.array([1, 0, 1, NAN, 1, 0])
    b = np.array([1, 0, 0, 1, NAN, 0])
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score([1, 0, 1, 0], [1, 0, 0, 0]))
    assert math.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]))  # one category only: undefined
    with pytest.raises(UsageError, match="same length"):
        cohen_kappa([1, 0], [1])


def test_lights_kappa_is_the_mean_over_pairs() -> None:
    r = random_ratings(3, 60, 4, 3, 0.0)
    mean, pairs = lights_kappa(r)
    pairwise = [cohen_kappa_score(r[:, i], r[:, j]) for i in range(4) for j in range(i + 1, 4)]
    assert pairs == 6
    assert mean == pytest.approx(np.mean(pairwise), abs=1e-12)


# --------------------------------------------------------------------------- Fleiss


def test_fleiss_kappa_matches_statsmodels() -> None:
    worst = 0.0
    for seed in range(60):
        r = random_ratings(seed, 50, 3 + seed % 5, 2 + seed % 4, 0.0)
        table, _ = aggregate_raters(r.astype(int))
        worst = max(worst, abs(fleiss_kappa(table) - sm_fleiss_kappa(table, method="fleiss")))
        assert np.array_equal(category_counts(r), table)
    assert worst < 1e-12


def test_fleiss_kappa_worked_example() -> None:
    # Fleiss (1971) as tabulated in the Wikipedia article: 10 subjects, 14 raters -> 0.210.
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    assert round(fleiss_kappa(table), 3) == 0.210
    assert fleiss_kappa(table) == pytest.approx(sm_fleiss_kappa(np.array(table)), abs=1e-12)


def test_fleiss_needs_a_constant_number_of_ratings() -> None:
    with pytest.raises(UsageError, match="same number"):
        fleiss_kappa([[2, 1], [1, 1]])
    ratings = np.array([[1, 1, 0], [1, 1, 1], [0, 0, NAN], [1, 0, 1]])
    kappa, items, raters = fleiss_on_common_count(ratings)
    assert (items, raters) == (3, 3)
    assert kappa == pytest.approx(fleiss_kappa(category_counts(ratings[[0, 1, 3]])))


# --------------------------------------------------------------------------- Krippendorff

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the nominal example:
# 4 observers, 12 units, missing values; alpha = 0.743.
KRIPPENDORFF_EXAMPLE = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


def test_krippendorff_worked_example() -> None:
    ours = krippendorff_alpha(KRIPPENDORFF_EXAMPLE.T)  # ours: items x reviewers
    assert round(ours, 3) == 0.743
    reference = krippendorff.alpha(KRIPPENDORFF_EXAMPLE, level_of_measurement="nominal")
    assert ours == pytest.approx(reference, abs=1e-12)


@pytest.mark.parametrize("missing", [0.0, 0.2, 0.5])
def test_krippendorff_matches_the_package_with_missing_ratings(missing: float) -> None:
    worst = 0.0
    for seed in range(40):
        r = random_ratings(seed, 70, 2 + seed % 5, 2 + seed % 3, missing)
        reference = krippendorff.alpha(r.T, level_of_measurement="nominal")
        worst = max(worst, abs(krippendorff_alpha(r) - reference))
    assert worst < 1e-12


def test_krippendorff_is_undefined_without_variation() -> None:
    assert math.isnan(krippendorff_alpha([[1, 1], [1, 1], [1, NAN]]))
    assert math.isnan(krippendorff_alpha([[1, NAN], [NAN, 0]]))  # nothing pairable


# --------------------------------------------------------------------------- beside them


def test_percent_agreement_and_prevalence() -> None:
    ratings = np.array([[1, 1, 1], [1, 1, 0], [0, 0, NAN], [1, NAN, NAN]])
    # item 1: 3/3 pairs agree; item 2: 1/3; item 3: 1/1; item 4 scored once: not counted
    assert percent_agreement(ratings) == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert prevalence(ratings) == {0.0: pytest.approx(3 / 9), 1.0: pytest.approx(6 / 9)}


def test_rare_failures_depress_kappa_and_the_note_says_so() -> None:
    # 100 items, two reviewers; they disagree on 5 items and jointly fail only 1.
    a = np.ones(100)
    b = np.ones(100)
    a[:3], b[3:5], a[5], b[5] = 0, 0, 0, 0
    verdict = assess("requester_verified", np.column_stack([a, b]))
    assert verdict.percent_agreement == pytest.approx(0.95)
    assert verdict.prevalence == {"fail": pytest.approx(0.035), "pass": pytest.approx(0.965)}
    assert verdict.krippendorff_alpha is not None and verdict.krippendorff_alpha < 0.3
    assert verdict.trusted is False
    assert verdict.note == (
        f"alpha {verdict.krippendorff_alpha:.2f} < 0.67: agreement too low to trust its trend; "
        "raw agreement is 95% but the rarest category is only 4% of ratings, "
        "which depresses kappa and alpha"
    )


def test_verdicts_for_too_few_items_and_no_variation() -> None:
    few = assess("x", np.ones((5, 3)))
    assert few.trusted is None and few.note.startswith("only 5 item(s)")
    same = assess("x", np.ones((20, 3)))
    assert same.trusted is None
    assert same.note == "every rating was 'pass': no variation to measure agreement on"
    good = assess("x", np.repeat([[1, 1, 1], [0, 0, 0]], 100, axis=0))
    assert good.trusted is True and good.krippendorff_alpha == 1.0


def test_bundled_calibration_flags_only_the_ambiguous_attribute() -> None:
    table = read_qa(ROOT / "case_reviews/qa/calibration.csv", name="cal", kind="calibration")
    results = {a.attribute: a for a in calibration_agreement(table)}
    assert [a for a, r in results.items() if r.trusted is not True] == [AMBIGUOUS_ATTRIBUTE]
    low = results[AMBIGUOUS_ATTRIBUTE]
    assert low.krippendorff_alpha is not None and low.krippendorff_alpha < 0.5
    # the matrix route agrees with the package on the real calibration data too
    for attribute, matrix in rating_matrices(table).items():
        reference = krippendorff.alpha(matrix.T, level_of_measurement="nominal")
        assert results[attribute].krippendorff_alpha == pytest.approx(reference, abs=1e-12)
        assert results[attribute].reviewers == 5
