"""A seeded generator of realistic, fictional QA assessments and a calibration set.

About a year (2025-04-01 to 2026-03-31) of sampled QA reviews of handled
law-enforcement requests: eight specialists (SPEC-01..SPEC-08) with small,
stable differences, five reviewers (REV-A..REV-E), six attributes, process
types in a realistic mix, error types and severities that follow from which
attribute failed. Everything is stable except ONE injected shift: from
2025-11-01, after a (fictional) account-lookup tool change, account_match_correct
drops from about 97% to about 88%. The calibration set has a dozen items a
month scored by two to five reviewers; notice_decision_correct is deliberately
ambiguous (reviewers read the notice policy two ways), so its agreement is low.

    python -m rca.trends.generate --out case_reviews/qa     # rewrite the bundled data
    python -m rca.trends.generate --out case_reviews/qa --check

The same seed gives the same bytes. Nothing here is real: every id is invented.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from rca.model import ProcessType
from rca.trends.qa import ErrorType

# The bundled seed is the first from 1 upward whose data show no flag on a stable
# attribute or month and only the ambiguous attribute below the agreement
# threshold; about half of all seeds qualify. Run rules raise false alarms at
# their design rate (about 1 % of stable attribute-months with the default
# rules, see tests/trends/test_generate.py), so another seed may well show one.
SEED = 2
START = date(2025, 4, 1)
END = date(2026, 3, 31)
ITEMS = 4200
CALIBRATION_ITEMS_PER_MONTH = 12

SHIFT_ATTRIBUTE = "account_match_correct"
SHIFT_FROM = date(2025, 11, 1)
SHIFT_ACCURACY = 0.88
AMBIGUOUS_ATTRIBUTE = "notice_decision_correct"
AMBIGUOUS_SHARE = 0.45  # calibration items on which the notice policy reads two ways

# Attribute -> accuracy before any shift. The order is also the priority of the
# attribute whose failure names the item's error (most harmful first).
ATTRIBUTES: dict[str, float] = {
    "account_match_correct": 0.97,
    "legal_scope_correct": 0.965,
    "requester_verified": 0.985,
    "notice_decision_correct": 0.95,
    "production_complete": 0.96,
    "preservation_timely": 0.955,
}
PROCESS_MIX: dict[ProcessType, float] = {
    ProcessType.SUBPOENA: 0.38,
    ProcessType.COURT_ORDER_2703D: 0.12,
    ProcessType.SEARCH_WARRANT: 0.16,
    ProcessType.EMERGENCY_DISCLOSURE: 0.12,
    ProcessType.PRESERVATION: 0.12,
    ProcessType.NCMEC_REPORT: 0.04,
    ProcessType.MLAT_CLOUD_ACT: 0.03,
    ProcessType.PEN_REGISTER: 0.015,
    ProcessType.WIRETAP: 0.005,
    ProcessType.OTHER: 0.01,
}
# Logit offsets: harder work for some process types (time pressure, foreign process).
PROCESS_DIFFICULTY: dict[tuple[ProcessType, str], float] = {
    (ProcessType.EMERGENCY_DISCLOSURE, "requester_verified"): -0.5,
    (ProcessType.EMERGENCY_DISCLOSURE, "legal_scope_correct"): -0.3,
    (ProcessType.MLAT_CLOUD_ACT, "legal_scope_correct"): -0.4,
    (ProcessType.SEARCH_WARRANT, "production_complete"): -0.25,
    (ProcessType.PRESERVATION, "preservation_timely"): -0.2,
}
# Attributes that do not apply to some process types (nothing produced, no user notice).
NOT_APPLICABLE: dict[str, tuple[ProcessType, ...]] = {
    "notice_decision_correct": (ProcessType.PRESERVATION, ProcessType.NCMEC_REPORT),
    "production_complete": (ProcessType.PRESERVATION,),
}
PRESERVATION_SHARE = 0.3  # other requests that also asked for preservation

SPECIALISTS = tuple(f"SPEC-{i:02d}" for i in range(1, 9))
SPECIALIST_SKILL = (0.3, 0.15, 0.1, 0.0, 0.0, -0.1, -0.2, -0.25)
SPECIALIST_LOAD = (0.16, 0.15, 0.14, 0.13, 0.12, 0.12, 0.10, 0.08)
REVIEWERS = ("REV-A", "REV-B", "REV-C", "REV-D", "REV-E")
# How strictly each reviewer reads the notice policy (logit offset on the ambiguous attribute).
REVIEWER_STRICTNESS = (0.0, -0.5, 0.3, -0.4, 0.2)
STRICT_REVIEWERS = (False, True, False, True, False)
REVIEWER_SLIPS = (0.02, 0.025, 0.03, 0.02, 0.035)  # calibration: chance of mis-scoring an item

ERROR_TYPES: dict[str, dict[ErrorType, float]] = {
    "account_match_correct": {ErrorType.WRONG_ACCOUNT: 0.75, ErrorType.WRONG_DATE_TIME: 0.25},
    "legal_scope_correct": {ErrorType.OVER_DISCLOSURE: 0.7, ErrorType.WRONG_PROCESS_CATEGORY: 0.3},
    "requester_verified": {ErrorType.NO_AUTHORITY: 1.0},
    "notice_decision_correct": {ErrorType.WORKFLOW: 0.6, ErrorType.TECHNICAL_ERROR: 0.4},
    "production_complete": {ErrorType.UNDER_PRODUCTION: 0.8, ErrorType.TECHNICAL_ERROR: 0.2},
    "preservation_timely": {ErrorType.WORKFLOW: 0.5, ErrorType.TECHNICAL_ERROR: 0.5},
}
SEVERITIES = ("recordable", "reportable", "serious")
SEVERITY_MIX: dict[ErrorType, tuple[float, float, float]] = {
    ErrorType.WRONG_ACCOUNT: (0.2, 0.5, 0.3),
    ErrorType.OVER_DISCLOSURE: (0.25, 0.5, 0.25),
    ErrorType.NO_AUTHORITY: (0.2, 0.4, 0.4),
    ErrorType.WRONG_DATE_TIME: (0.4, 0.45, 0.15),
    ErrorType.WRONG_PROCESS_CATEGORY: (0.5, 0.4, 0.1),
    ErrorType.UNDER_PRODUCTION: (0.7, 0.25, 0.05),
    ErrorType.TECHNICAL_ERROR: (0.6, 0.3, 0.1),
    ErrorType.WORKFLOW: (0.55, 0.35, 0.1),
}

Columns = dict[str, NDArray[np.str_]]
COLUMNS = (
    "item_id", "handled_on", "process_type", "specialist", "reviewer",
    *ATTRIBUTES, "error_type", "severity",
)  # fmt: skip


@dataclass(frozen=True)
class Sample:
    """Generated QA data: column name -> values as text, exactly as written to CSV."""

    assessments: Columns
    calibration: Columns


def business_days(start: date, end: date) -> NDArray[np.str_]:
    """Monday-to-Friday dates from start to end, as YYYY-MM-DD."""
    days = [start + timedelta(d) for d in range((end - start).days + 1)]
    return np.array([d.isoformat() for d in days if d.weekday() < 5])


def _pick(rng: np.random.Generator, shares: Sequence[float], size: int) -> NDArray[np.intp]:
    cum = np.cumsum(np.asarray(shares, dtype=np.float64))
    return np.minimum(np.searchsorted(cum / cum[-1], rng.random(size), side="right"), len(cum) - 1)


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _applicable(rng: np.random.Generator, process: NDArray[np.str_]) -> NDArray[np.bool_]:
    """Items x attributes: whether the attribute applies to the item."""
    out = np.ones((process.size, len(ATTRIBUTES)), dtype=np.bool_)
    for j, attribute in enumerate(ATTRIBUTES):
        excluded = NOT_APPLICABLE.get(attribute, ())
        out[:, j] = ~np.isin(process, [p.value for p in excluded])
    asked = rng.random(process.size) < PRESERVATION_SHARE
    j = list(ATTRIBUTES).index("preservation_timely")
    out[:, j] = (process == ProcessType.PRESERVATION.value) | asked
    return out


def _errors(
    rng: np.random.Generator, passed: NDArray[np.bool_], applies: NDArray[np.bool_]
) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    """Each item's error type and severity, from its most harmful failed attribute."""
    failed = applies & ~passed
    has_error = failed.any(axis=1)
    first = np.argmax(failed, axis=1)
    size = int(passed.shape[0])
    u_type: NDArray[np.float64] = rng.random(size)
    u_severity: NDArray[np.float64] = rng.random(size)
    error = np.full(passed.shape[0], "", dtype="<U32")
    for j, attribute in enumerate(ATTRIBUTES):
        rows = has_error & (first == j)
        kinds = list(ERROR_TYPES[attribute])
        cum = np.cumsum(list(ERROR_TYPES[attribute].values()))
        idx = np.minimum(np.searchsorted(cum, u_type[rows], side="right"), len(kinds) - 1)
        error[rows] = np.array([k.value for k in kinds])[idx]
    severity = np.full(passed.shape[0], "", dtype="<U16")
    for kind, mix in SEVERITY_MIX.items():
        rows = error == kind.value
        idx = np.minimum(np.searchsorted(np.cumsum(mix), u_severity[rows], side="right"), 2)
        severity[rows] = np.array(SEVERITIES)[idx]
    return error, severity


def _results(passed: NDArray[np.bool_], applies: NDArray[np.bool_]) -> NDArray[np.str_]:
    return np.where(applies, np.where(passed, "pass", "fail"), "na")


def generate_assessments(
    n_items: int = ITEMS,
    *,
    seed: int = SEED,
    start: date = START,
    end: date = END,
    shift: bool = True,
) -> Columns:
    """n_items sampled QA assessments over business days from start to end."""
    rng = np.random.default_rng(seed)
    days = business_days(start, end)
    day = np.sort(rng.integers(0, days.size, n_items))
    handled = days[day]
    processes = list(PROCESS_MIX)
    process = np.array([p.value for p in processes])[
        _pick(rng, list(PROCESS_MIX.values()), n_items)
    ]
    spec = _pick(rng, SPECIALIST_LOAD, n_items)
    reviewer = rng.integers(0, len(REVIEWERS), n_items)

    logits = np.empty((n_items, len(ATTRIBUTES)))
    for j, (attribute, base) in enumerate(ATTRIBUTES.items()):
        logits[:, j] = _logit(base) + np.asarray(SPECIALIST_SKILL)[spec]
        if shift and attribute == SHIFT_ATTRIBUTE:
            after = handled >= SHIFT_FROM.isoformat()
            logits[after, j] += _logit(SHIFT_ACCURACY) - _logit(base)
        if attribute == AMBIGUOUS_ATTRIBUTE:
            logits[:, j] += np.asarray(REVIEWER_STRICTNESS)[reviewer]
        for (proc, attr), offset in PROCESS_DIFFICULTY.items():
            if attr == attribute:
                logits[process == proc.value, j] += offset
    passed = rng.random(logits.shape) < 1 / (1 + np.exp(-logits))
    applies = _applicable(rng, process)
    error, severity = _errors(rng, passed, applies)
    results = _results(passed, applies)
    width = max(5, len(str(n_items)))
    ids = np.char.add("QA-", np.char.zfill(np.arange(1, n_items + 1).astype(str), width))
    columns: Columns = {
        "item_id": ids,
        "handled_on": handled,
        "process_type": process,
        "specialist": np.array(SPECIALISTS)[spec],
        "reviewer": np.array(REVIEWERS)[reviewer],
    }
    for j, attribute in enumerate(ATTRIBUTES):
        columns[attribute] = results[:, j]
    columns["error_type"] = error
    columns["severity"] = severity
    return columns


def generate_calibration(
    *,
    seed: int = SEED,
    start: date = START,
    end: date = END,
    per_month: int = CALIBRATION_ITEMS_PER_MONTH,
) -> Columns:
    """A calibration set: per_month items a month, each scored by two to five reviewers."""
    rng = np.random.default_rng([seed, 1])
    days = business_days(start, end)
    month_of = np.array([d[:7] for d in days.tolist()])
    per = [np.flatnonzero(month_of == m) for m in np.unique(month_of)]
    day = np.concatenate([np.sort(rng.choice(idx, per_month, replace=False)) for idx in per])
    n = day.size
    handled = days[day]
    processes = list(PROCESS_MIX)
    process = np.array([p.value for p in processes])[_pick(rng, list(PROCESS_MIX.values()), n)]
    spec = _pick(rng, SPECIALIST_LOAD, n)
    applies = _applicable(rng, process)
    # Calibration items are chosen to include borderline and defective work.
    truth = rng.random((n, len(ATTRIBUTES))) >= 0.18
    amb = list(ATTRIBUTES).index(AMBIGUOUS_ATTRIBUTE)
    ambiguous = rng.random(n) < AMBIGUOUS_SHARE

    # Who scored what: each reviewer takes part with 80 % chance, at least two per item.
    order = np.argsort(rng.random((n, len(REVIEWERS))), axis=1)
    took_part = rng.random((n, len(REVIEWERS))) < 0.8
    took_part[np.arange(n)[:, None], order[:, :2]] = True

    slips = (
        rng.random((n, len(REVIEWERS), len(ATTRIBUTES))) < np.asarray(REVIEWER_SLIPS)[None, :, None]
    )
    scored = truth[:, None, :] ^ slips
    # On ambiguous items, strict readers of the notice policy fail the decision, others pass it.
    strict = np.asarray(STRICT_REVIEWERS)[None, :]
    scored[:, :, amb] = np.where(ambiguous[:, None], ~strict ^ slips[:, :, amb], scored[:, :, amb])

    item, rev = np.nonzero(took_part)
    passed = scored[item, rev, :]
    item_applies = applies[item]
    error, severity = _errors(rng, passed, item_applies)
    results = _results(passed, item_applies)
    ids = np.char.add("CAL-", np.char.zfill((np.arange(n) + 1).astype(str), 4))
    columns: Columns = {
        "item_id": ids[item],
        "handled_on": handled[item],
        "process_type": process[item],
        "specialist": np.array(SPECIALISTS)[spec][item],
        "reviewer": np.array(REVIEWERS)[rev],
    }
    for j, attribute in enumerate(ATTRIBUTES):
        columns[attribute] = results[:, j]
    columns["error_type"] = error
    columns["severity"] = severity
    return columns


def generate(seed: int = SEED) -> Sample:
    """The bundled example: a year of assessments and its calibration set."""
    return Sample(generate_assessments(seed=seed), generate_calibration(seed=seed))


def to_csv(columns: Columns) -> bytes:
    """CSV bytes with a header, LF line ends, fixed column order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = list(columns)
    writer.writerow(names)
    writer.writerows(zip(*(columns[c].tolist() for c in names), strict=True))
    return out.getvalue().encode("utf-8")


def write_sample(sample: Sample, folder: Path) -> list[Path]:
    """Write assessments.csv and calibration.csv into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, columns in (("assessments", sample.assessments), ("calibration", sample.calibration)):
        path = folder / f"{stem}.csv"
        path.write_bytes(to_csv(columns))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate (or, with --check, compare) the bundled QA example data."""
    parser = argparse.ArgumentParser(
        prog="python -m rca.trends.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", type=Path, default=Path("case_reviews/qa"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--check", action="store_true", help="compare with the files in --out")
    args = parser.parse_args(argv)
    sample = generate(args.seed)
    if args.check:
        stale = [
            stem
            for stem, columns in (
                ("assessments", sample.assessments),
                ("calibration", sample.calibration),
            )
            if not (args.out / f"{stem}.csv").is_file()
            or (args.out / f"{stem}.csv").read_bytes() != to_csv(columns)
        ]
        for stem in stale:
            print(f"{args.out / stem}.csv differs from the generator's output", file=sys.stderr)
        return 1 if stale else 0
    for path in write_sample(sample, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
