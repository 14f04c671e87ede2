"""Agreement between reviewers who scored the same items (calibration).

Ratings are a matrix with one row per item and one column per reviewer, holding
category codes, NaN where a reviewer did not score the item (or the attribute
did not apply). Cohen's kappa compares two reviewers, Fleiss' kappa any fixed
number of ratings per item, and Krippendorff's alpha (nominal) any number with
missing ratings. Kappa and alpha collapse when one category is rare, so raw
agreement and the prevalence of each category are always reported beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rca.errors import UsageError
from rca.trends.qa import QaTable

FloatArray = NDArray[np.float64]

# Krippendorff: alpha >= 0.800 for conclusions, >= 0.667 for tentative ones.
TRUST_THRESHOLD = 0.667
MIN_ITEMS = 10  # fewer items scored by two or more reviewers say too little either way
CATEGORY_LABELS = {0: "fail", 1: "pass"}


def category_counts(ratings: ArrayLike, categories: ArrayLike | None = None) -> FloatArray:
    """Items x categories: how many reviewers put each item in each category."""
    matrix = np.asarray(ratings, dtype=np.float64)
    cats = _categories(matrix) if categories is None else np.asarray(categories, dtype=np.float64)
    counts: FloatArray = (matrix[:, :, None] == cats[None, None, :]).sum(axis=1).astype(np.float64)
    return counts


def _categories(matrix: FloatArray) -> FloatArray:
    values = matrix[~np.isnan(matrix)]
    return np.unique(values)


def percent_agreement(ratings: ArrayLike) -> float:
    """Mean over items (scored at least twice) of the share of reviewer pairs that agree."""
    counts = category_counts(ratings)
    m = counts.sum(axis=1)
    ok = m >= 2
    if not ok.any():
        return float("nan")
    c, mm = counts[ok], m[ok]
    per_item = (c * (c - 1)).sum(axis=1) / (mm * (mm - 1))
    return float(per_item.mean())


def prevalence(ratings: ArrayLike) -> dict[float, float]:
    """Category code -> its share of all ratings given."""
    matrix = np.asarray(ratings, dtype=np.float64)
    values = matrix[~np.isnan(matrix)]
    if values.size == 0:
        return {}
    cats, counts = np.unique(values, return_counts=True)
    return {float(c): float(k / values.size) for c, k in zip(cats, counts, strict=True)}


def cohen_kappa(a: ArrayLike, b: ArrayLike) -> float:
    """Cohen's kappa of two reviewers over the items both scored; NaN when undefined."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        raise UsageError("both reviewers' ratings need the same length")
    both = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[both], y[both]
    if x.size == 0:
        return float("nan")
    cats, codes = np.unique(np.concatenate([x, y]), return_inverse=True)
    cx, cy = codes[: x.size], codes[x.size :]
    observed = float(np.mean(cx == cy))
    px = np.bincount(cx, minlength=cats.size) / x.size
    py = np.bincount(cy, minlength=cats.size) / y.size
    expected = float(px @ py)
    if expected >= 1.0:
        return float("nan")
    return (observed - expected) / (1.0 - expected)


def fleiss_kappa(counts: ArrayLike) -> float:
    """Fleiss' kappa from an items x categories count table (same number of ratings per item)."""
    table = np.asarray(counts, dtype=np.float64)
    m = table.sum(axis=1)
    if table.shape[0] == 0:
        return float("nan")
    if not np.all(m == m[0]) or m[0] < 2:
        raise UsageError("Fleiss' kappa needs the same number (at least 2) of ratings per item")
    raters = m[0]
    items = table.shape[0]
    per_item = ((table * table).sum(axis=1) - raters) / (raters * (raters - 1))
    p_bar = float(per_item.mean())
    shares = table.sum(axis=0) / (items * raters)
    expected = float((shares * shares).sum())
    if expected >= 1.0:
        return float("nan")
    return (p_bar - expected) / (1.0 - expected)


def krippendorff_alpha(ratings: ArrayLike) -> float:
    """Krippendorff's alpha for nominal data, items x reviewers, NaN for missing ratings."""
    counts = category_counts(ratings)
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, m = counts[pairable], m[pairable]
    if counts.shape[0] == 0:
        return float("nan")
    weights = counts / (m - 1)[:, None]
    # Coincidence matrix: o[c, k] = sum over items of n_uc * n_uk / (m_u - 1), c != k;
    # the diagonal counts ordered pairs of different ratings, hence n_uc * (n_uc - 1).
    coincidences = weights.T @ counts - np.diag(weights.sum(axis=0))
    n_c = coincidences.sum(axis=1)
    n = float(n_c.sum())
    disagreement = n - float(np.trace(coincidences))
    expected = (n * n - float((n_c * n_c).sum())) / (n - 1)
    if expected <= 0:
        return float("nan")  # a single category used: no variation to agree about
    return 1.0 - disagreement / expected


def lights_kappa(ratings: ArrayLike, min_shared: int = 2) -> tuple[float, int]:
    """Mean Cohen's kappa over reviewer pairs that share at least `min_shared` items.

    Returns (mean kappa, pairs averaged); with exactly two reviewers it is Cohen's kappa.
    """
    matrix = np.asarray(ratings, dtype=np.float64)
    kappas = []
    for i, j in combinations(range(matrix.shape[1]), 2):
        a, b = matrix[:, i], matrix[:, j]
        if int((~np.isnan(a) & ~np.isnan(b)).sum()) < min_shared:
            continue
        k = cohen_kappa(a, b)
        if not np.isnan(k):
            kappas.append(k)
    if not kappas:
        return float("nan"), 0
    return float(np.mean(kappas)), len(kappas)


def fleiss_on_common_count(ratings: ArrayLike) -> tuple[float, int, int]:
    """Fleiss' kappa over the items with the most common number (>= 2) of ratings.

    Returns (kappa, items used, ratings per item).
    """
    counts = category_counts(ratings)
    m = counts.sum(axis=1).astype(np.int64)
    m = m[m >= 2]
    if m.size == 0:
        return float("nan"), 0, 0
    values, freq = np.unique(m, return_counts=True)
    # The most common count; ties go to the larger count (more raters per item).
    common = int(values[len(freq) - 1 - int(np.argmax(freq[::-1]))])
    rows = counts.sum(axis=1) == common
    return fleiss_kappa(counts[rows]), int(rows.sum()), common


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Agreement:
    """How far reviewers agree on one attribute, and whether its trend can be trusted."""

    attribute: str
    items: int  # items scored by at least two reviewers
    reviewers: int
    ratings: int
    percent_agreement: float | None  # share of agreeing reviewer pairs, mean over items
    prevalence: dict[str, float]  # category -> share of ratings, e.g. {"fail": 0.12, "pass": 0.88}
    cohen_kappa: float | None  # two reviewers: Cohen's kappa; more: mean over pairs (Light's)
    cohen_pairs: int
    fleiss_kappa: float | None  # over items with the most common number of ratings
    fleiss_items: int
    fleiss_raters: int
    krippendorff_alpha: float | None  # nominal, every rating, missing allowed
    threshold: float
    trusted: bool | None  # None when agreement cannot be measured
    note: str


def _opt(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def assess(
    attribute: str,
    ratings: ArrayLike,
    *,
    threshold: float = TRUST_THRESHOLD,
    min_items: int = MIN_ITEMS,
    labels: dict[int, str] | None = None,
) -> Agreement:
    """Every agreement statistic for one attribute's items x reviewers matrix, and a verdict.

    The verdict rests on Krippendorff's alpha, the one statistic that uses every
    rating whatever the number of reviewers per item.
    """
    matrix = np.asarray(ratings, dtype=np.float64)
    names = labels or CATEGORY_LABELS
    scored = (~np.isnan(matrix)).sum(axis=1)
    items = int((scored >= 2).sum())
    alpha = krippendorff_alpha(matrix)
    light, pairs = lights_kappa(matrix)
    fleiss, fleiss_items, fleiss_raters = fleiss_on_common_count(matrix)
    agree = percent_agreement(matrix)
    prev = {names.get(int(c), str(c)): s for c, s in prevalence(matrix).items()}

    if items < min_items:
        trusted, note = (
            None,
            f"only {items} item(s) scored by two or more reviewers; need {min_items}",
        )
    elif np.isnan(alpha):
        only = next(iter(prev), "one category")
        trusted, note = None, f"every rating was '{only}': no variation to measure agreement on"
    elif alpha < threshold:
        trusted = False
        note = f"alpha {alpha:.2f} < {threshold:.2f}: agreement too low to trust its trend"
        rare = min(prev.values()) if prev else 1.0
        if agree >= 0.9 and rare < 0.1:
            note += (
                f"; raw agreement is {agree:.0%} but the rarest category is only {rare:.0%} "
                "of ratings, which depresses kappa and alpha"
            )
    else:
        trusted, note = True, f"alpha {alpha:.2f} >= {threshold:.2f}"
    return Agreement(
        attribute=attribute,
        items=items,
        reviewers=int((~np.isnan(matrix)).any(axis=0).sum()),
        ratings=int(scored.sum()),
        percent_agreement=_opt(agree),
        prevalence=prev,
        cohen_kappa=_opt(light),
        cohen_pairs=pairs,
        fleiss_kappa=_opt(fleiss),
        fleiss_items=fleiss_items,
        fleiss_raters=fleiss_raters,
        krippendorff_alpha=_opt(alpha),
        threshold=threshold,
        trusted=trusted,
        note=note,
    )


def rating_matrices(table: QaTable) -> dict[str, FloatArray]:
    """Attribute -> items x reviewers matrix (1 pass, 0 fail, NaN not scored)."""
    cols = ", ".join(f"CAST({_q(a)} AS DOUBLE) AS {_q(a)}" for a in table.attributes)
    data = table.con.execute(
        f"SELECT item_id, reviewer, {cols} FROM {_q(table.name)} ORDER BY item_id, reviewer"
    ).fetchnumpy()
    _, item = np.unique(np.asarray(data["item_id"]), return_inverse=True)
    _, reviewer = np.unique(np.asarray(data["reviewer"]), return_inverse=True)
    shape = (
        int(item.max()) + 1 if item.size else 0,
        int(reviewer.max()) + 1 if reviewer.size else 0,
    )
    out: dict[str, FloatArray] = {}
    for attribute in table.attributes:
        values = np.ma.filled(np.ma.asarray(data[attribute], dtype=np.float64), np.nan)
        matrix = np.full(shape, np.nan)
        matrix[item, reviewer] = values
        out[attribute] = matrix
    return out


def calibration_agreement(
    table: QaTable, *, threshold: float = TRUST_THRESHOLD, min_items: int = MIN_ITEMS
) -> list[Agreement]:
    """Agreement per attribute over a calibration table (several reviewers per item)."""
    return [
        assess(attribute, matrix, threshold=threshold, min_items=min_items)
        for attribute, matrix in rating_matrices(table).items()
    ]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
