"""Trends across case reviews, as DuckDB tables built from loaded records.

Tables (prefix `rca_` by default): `cases`, `causes`, `actions`,
`action_causes` and `clocks`. A case's `occurred_on` is the date of its
error_occurred milestone (else request_received, else its first event), as
written in the record; `detected_on` is its detected milestone's date (else
occurred_on). Periods and --since/--until use detected_on: an escalation
counts when it came to light. Recurrence uses occurred_on: a cause acting
again after an action that addressed it was completed flags that action as
ineffective.

Clocks: detect = error_occurred -> detected, escalate = detected -> escalated,
respond = request_received -> responded, resolve = detected -> resolved, with
targets from the record's service_levels for the escalation's process type
(the same definitions as the analysis engine, whose figures are used when
findings are passed in).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import duckdb
import numpy as np

from rca.analyse.metrics import measure
from rca.audience import PersonalData
from rca.errors import UsageError
from rca.load import LoadedRecord
from rca.model import OPEN_ACTION_STATUSES, CaseReview, Milestone
from rca.privacy.redact import Scrubber
from rca.project import DEFAULT, Project
from rca.trends.qa import TABLE_NAME, quote
from rca.trends.queries import Period, Scope

if TYPE_CHECKING:
    from rca.analyse.findings import Findings

CaseDimension = Literal["process_type", "severity", "detected_by", "period"]
CASE_DIMENSIONS: tuple[CaseDimension, ...] = ("process_type", "severity", "detected_by", "period")

SCHEMA: dict[str, dict[str, str]] = {
    "cases": {
        "case_id": "VARCHAR", "process_type": "VARCHAR", "triage_class": "VARCHAR",
        "severity": "VARCHAR", "detected_by": "VARCHAR", "review_status": "VARCHAR",
        "occurred_on": "DATE", "detected_on": "DATE", "path": "VARCHAR",
    },
    "causes": {
        "case_id": "VARCHAR", "cause_id": "VARCHAR", "category": "VARCHAR", "code": "VARCHAR",
        "kind": "VARCHAR", "within_control": "BOOLEAN", "role": "VARCHAR",
    },
    "actions": {
        "case_id": "VARCHAR", "action_id": "VARCHAR", "owner": "VARCHAR", "status": "VARCHAR",
        "type": "VARCHAR", "mechanism": "VARCHAR", "due": "DATE", "completed_on": "DATE",
        "verify_by": "DATE", "has_verification_result": "BOOLEAN",
    },
    "action_causes": {"case_id": "VARCHAR", "action_id": "VARCHAR", "cause_id": "VARCHAR"},
    "clocks": {
        "case_id": "VARCHAR", "request_id": "VARCHAR", "process_type": "VARCHAR",
        "metric": "VARCHAR", "elapsed_seconds": "DOUBLE", "target_seconds": "DOUBLE",
        "breached": "BOOLEAN",
    },
}  # fmt: skip


@dataclass(frozen=True)
class CaseTables:
    """The case-review tables in a DuckDB connection."""

    con: duckdb.DuckDBPyConnection
    prefix: str
    cases: int

    def table(self, name: str) -> str:
        """The quoted name of one of the tables."""
        return quote(self.prefix + name)


# --------------------------------------------------------------------------- building


def _day(record: CaseReview, *milestones: Milestone) -> date:
    marks = {e.milestone: e.at for e in record.timeline if e.milestone is not None}
    for milestone in milestones:
        if milestone in marks:
            return marks[milestone].date()
    return min(e.at for e in record.timeline).date()


def measure_clocks(record: CaseReview, project: Project = DEFAULT) -> list[dict[str, Any]]:
    """Each request's four clocks: elapsed and target seconds, breached (None if unknown)."""
    return [
        {
            "request_id": m.clock.request,
            "metric": m.clock.metric,
            "elapsed_seconds": m.clock.elapsed_seconds,
            "target_seconds": m.clock.target_seconds,
            "breached": m.clock.breached,
        }
        for m in measure(record, project)
    ]


def case_tables(
    records: Sequence[LoadedRecord],
    *,
    findings: Mapping[str, Findings] | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    prefix: str = "rca_",
) -> CaseTables:
    """Build the case-review tables; `findings` (case id -> Findings) adds cause roles."""
    findings = findings or {}
    parts = [case_rows(loaded, findings.get(loaded.record.case_id)) for loaded in records]
    return tables_of(parts, con=con, prefix=prefix)


Rows = dict[str, list[dict[str, Any]]]  # table name -> its rows (plain JSON data)


def case_rows(loaded: LoadedRecord, found: Findings | None = None) -> Rows:
    """One case's rows of every table: plain JSON data (dates as ISO text), so a site keeps them.

    `found` (the case's findings) adds cause roles and the measured clocks.
    """
    r = loaded.record
    case = r.case_id
    rows: Rows = {name: [] for name in SCHEMA}
    # Every string a trends output can print (ids, codes, owners, the file's
    # path) is scrubbed as for leadership when it enters the tables.
    scrub = Scrubber.for_record(r, PersonalData.CATEGORY)
    roles = {c.id: c.role for c in found.causes} if found else {}
    occurred = _day(r, Milestone.ERROR_OCCURRED, Milestone.REQUEST_RECEIVED)
    rows["cases"].append(
        {
            "case_id": case,
            "process_type": r.primary_request.process_type.value,
            "triage_class": r.primary_request.triage_class.value,
            "severity": r.escalation.severity.value,
            "detected_by": r.escalation.detected_by.value,
            "review_status": r.review.status.value,
            "occurred_on": occurred,
            "detected_on": _day(r, Milestone.DETECTED) if _has(r, Milestone.DETECTED) else occurred,
            "path": scrub(str(loaded.path)),
        }
    )
    for c in r.causes:
        rows["causes"].append(
            {"case_id": case, "cause_id": scrub(c.id),
             "category": c.category and scrub(c.category), "code": c.code and scrub(c.code),
             "kind": c.kind.value, "within_control": c.within_control,
             "role": roles.get(c.id)}
        )  # fmt: skip
    for a in r.actions:
        rows["actions"].append(
            {"case_id": case, "action_id": scrub(a.id), "owner": a.owner and scrub(a.owner),
             "status": a.status.value,
             "type": a.type.value, "mechanism": a.mechanism.value, "due": a.due,
             "completed_on": a.completed_on, "verify_by": a.verify_by,
             "has_verification_result": a.verification_result is not None}
        )  # fmt: skip
        rows["action_causes"].extend(
            {"case_id": case, "action_id": scrub(a.id), "cause_id": scrub(cid)}
            for cid in a.addresses
        )
    if found:
        clocks = [
            {"request_id": k.request, "metric": k.metric, "elapsed_seconds": k.elapsed_seconds,
             "target_seconds": k.target_seconds, "breached": k.breached}
            for k in found.clocks
        ]  # fmt: skip
    else:
        clocks = measure_clocks(r, loaded.project)
    # Each request's clocks count under its own process type.
    kinds = {q.id: q.process_type.value for q in r.requests}
    rows["clocks"].extend(
        {"case_id": case, "process_type": kinds.get(str(k["request_id"])), **k} for k in clocks
    )
    return {name: [{k: _cell(v) for k, v in row.items()} for row in table]
            for name, table in rows.items()}  # fmt: skip


def tables_of(
    parts: Sequence[Rows],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    prefix: str = "rca_",
) -> CaseTables:
    """The case-review tables of every case's rows (`case_rows`)."""
    if not TABLE_NAME.fullmatch(prefix):
        raise UsageError(f"table prefix {prefix!r}: use lower-case letters, digits and _")
    con = con or duckdb.connect()
    for name, schema in SCHEMA.items():
        _load(con, prefix + name, schema, [row for part in parts for row in part[name]])
    return CaseTables(con, prefix, len(parts))


def _has(record: CaseReview, milestone: Milestone) -> bool:
    return any(e.milestone is milestone for e in record.timeline)


def _load(
    con: duckdb.DuckDBPyConnection, name: str, schema: dict[str, str], rows: list[dict[str, Any]]
) -> None:
    columns = ", ".join(f"{quote(c)} {t}" for c, t in schema.items())
    con.execute(f"CREATE OR REPLACE TABLE {quote(name)} ({columns})")
    if not rows:
        return
    # Column-wise arrays in one scan: far faster than row-by-row INSERTs.
    arrays = {c: np.array([_cell(row[c]) for row in rows], dtype=object) for c in schema}
    view = f"_rca_load_{name}"
    con.register(view, arrays)
    try:
        select = ", ".join(f"CAST({quote(c)} AS {t})" for c, t in schema.items())
        con.execute(f"INSERT INTO {quote(name)} SELECT {select} FROM {quote(view)}")
    finally:
        con.unregister(view)


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# --------------------------------------------------------------------------- scope


def _scope_sql(scope: Scope, alias: str = "k") -> tuple[str, list[date]]:
    parts, params = [], []
    if scope.since is not None:
        parts.append(f"{alias}.detected_on >= ?")
        params.append(scope.since)
    if scope.until is not None:
        parts.append(f"{alias}.detected_on <= ?")
        params.append(scope.until)
    return (" AND ".join(parts) or "true"), params


def _dimension(by: CaseDimension | None, period: Period, alias: str = "k") -> str:
    if by is None:
        return "CAST(NULL AS VARCHAR)"
    if by == "period":
        return f"CAST(CAST(date_trunc('{period}', {alias}.detected_on) AS DATE) AS VARCHAR)"
    if by not in CASE_DIMENSIONS:
        raise UsageError(f"cannot group cases by {by!r}; use {', '.join(CASE_DIMENSIONS)}")
    return f"{alias}.{by}"


# --------------------------------------------------------------------------- Pareto


@dataclass(frozen=True)
class CausePareto:
    """One bar of a cause Pareto: a category or cause code within a group of cases."""

    group: str | None  # the value of the `by` dimension (a period as YYYY-MM-DD); None: all
    key: str  # category id or cause code
    causes: int  # causes with this key (the bar's height)
    cases: int  # distinct cases with such a cause
    share: float  # of the group's causes
    cumulative_share: float
    group_cases: int  # cases in the group


def cause_pareto_sql(
    t: CaseTables,
    item: Literal["category", "code"],
    by: CaseDimension | None,
    scope: Scope,
    roots_only: bool = False,
) -> tuple[str, list[date]]:
    """SQL and parameters for a cause Pareto."""
    if item not in ("category", "code"):
        raise UsageError(f"a cause Pareto ranks category or code, not {item!r}")
    where, params = _scope_sql(scope)
    group = _dimension(by, scope.period)
    roots = " AND c.role = 'root'" if roots_only else ""
    sql = (
        f"WITH scoped AS (SELECT k.case_id, {group} AS grp FROM {t.table('cases')} k "
        f"WHERE {where}), "
        "totals AS (SELECT grp AS tgrp, count(*) AS group_cases FROM scoped GROUP BY grp), "
        f"counts AS (SELECT s.grp, c.{item} AS key, count(*) AS causes, "
        "count(DISTINCT c.case_id) AS cases "
        f"FROM scoped s JOIN {t.table('causes')} c USING (case_id) "
        f"WHERE c.{item} IS NOT NULL{roots} GROUP BY s.grp, c.{item}) "
        "SELECT grp, key, causes, cases, "
        "CAST(causes AS DOUBLE) / sum(causes) OVER (PARTITION BY grp), "
        "CAST(sum(causes) OVER (PARTITION BY grp ORDER BY causes DESC, key "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS DOUBLE) "
        "/ sum(causes) OVER (PARTITION BY grp), group_cases "
        "FROM counts JOIN totals ON grp IS NOT DISTINCT FROM tgrp "
        "ORDER BY grp NULLS FIRST, causes DESC, key"
    )
    return sql, params


def cause_pareto(
    t: CaseTables,
    item: Literal["category", "code"] = "category",
    by: CaseDimension | None = None,
    scope: Scope | None = None,
    *,
    roots_only: bool = False,
) -> list[CausePareto]:
    """Categories (or cause codes) ranked by how many causes name them, per group of cases.

    `roots_only` counts root causes only; it needs the tables built with findings.
    """
    scope = scope or Scope()
    if roots_only and not _scalar(t, f"SELECT count(role) FROM {t.table('causes')}"):
        raise UsageError("root causes are known only when the tables are built with findings")
    sql, params = cause_pareto_sql(t, item, by, scope, roots_only)
    return [
        CausePareto(r[0], r[1], int(r[2]), int(r[3]), float(r[4]), float(r[5]), int(r[6]))
        for r in t.con.execute(sql, params).fetchall()
    ]


def _scalar(t: CaseTables, sql: str, params: Sequence[Any] = ()) -> Any:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection.
    rows = t.con.execute(sql, list(params)).fetchall()
    return rows[0][0] if rows else None


@dataclass(frozen=True)
class CaseMix:
    """How many cases of a kind (severity, detection source, ...) a period had."""

    period: date | None  # None: the whole range
    dimension: CaseDimension
    key: str
    cases: int
    share: float  # of the period's cases


def case_mix(t: CaseTables, dimension: CaseDimension, scope: Scope | None = None) -> list[CaseMix]:
    """Cases per period by process type, severity or detection source, with shares."""
    scope = scope or Scope()
    if dimension == "period" or dimension not in CASE_DIMENSIONS:
        raise UsageError(f"case mix is by process_type, severity or detected_by, not {dimension!r}")
    where, params = _scope_sql(scope)
    sql = (
        f"WITH scoped AS (SELECT CAST(date_trunc('{scope.period}', detected_on) AS DATE) AS period, "
        f"{dimension} AS key FROM {t.table('cases')} k WHERE {where}), "
        "agg AS (SELECT period, key, count(*) AS cases FROM scoped "
        "GROUP BY GROUPING SETS ((period, key), (key))) "
        "SELECT period, key, cases, CAST(cases AS DOUBLE) / sum(cases) OVER (PARTITION BY period) "
        "FROM agg ORDER BY period NULLS FIRST, cases DESC, key"
    )
    return [
        CaseMix(r[0], dimension, r[1], int(r[2]), float(r[3]))
        for r in t.con.execute(sql, params).fetchall()
    ]


# --------------------------------------------------------------------------- recurrence


@dataclass(frozen=True)
class Recurrence:
    """A cause code found in more than one case."""

    code: str
    category: str  # the category most causes with this code are filed under
    cases: int
    case_ids: list[str]  # in order of occurrence
    first_on: date
    last_on: date


def recurrence(t: CaseTables, scope: Scope | None = None) -> list[Recurrence]:
    """Cause codes that appear in two or more cases, most frequent first."""
    scope = scope or Scope()
    where, params = _scope_sql(scope)
    sql = (
        "WITH cc AS (SELECT DISTINCT c.code, c.case_id, k.occurred_on FROM "
        f"{t.table('causes')} c JOIN {t.table('cases')} k USING (case_id) "
        f"WHERE c.code IS NOT NULL AND {where}), "
        f"filed AS (SELECT code, category, count(*) AS n FROM {t.table('causes')} "
        "WHERE code IS NOT NULL GROUP BY code, category), "
        "cat AS (SELECT code, first(category ORDER BY n DESC, category) AS category "
        "FROM filed GROUP BY code) "
        "SELECT code, cat.category, count(*) AS cases, "
        "list(case_id ORDER BY occurred_on, case_id), min(occurred_on), max(occurred_on) "
        "FROM cc JOIN cat USING (code) GROUP BY code, cat.category HAVING count(*) > 1 "
        "ORDER BY cases DESC, code"
    )
    return [
        Recurrence(r[0], r[1], int(r[2]), list(r[3]), r[4], r[5])
        for r in t.con.execute(sql, params).fetchall()
    ]


@dataclass(frozen=True)
class RepeatRate:
    """Share of a category's cases in which a cause code had already occurred in an earlier case."""

    category: str
    cases: int
    repeats: int
    rate: float


def repeat_rates(t: CaseTables, scope: Scope | None = None) -> list[RepeatRate]:
    """Repeat-cause rate per category (earlier = an earlier occurred_on, any case loaded)."""
    scope = scope or Scope()
    where, params = _scope_sql(scope)
    sql = (
        "WITH cc AS (SELECT c.case_id, c.category, c.code, k.occurred_on, "
        f"({where}) AS in_scope FROM {t.table('causes')} c JOIN {t.table('cases')} k "
        "USING (case_id)), "
        "first AS (SELECT code, min(occurred_on) AS first_on FROM cc "
        "WHERE code IS NOT NULL GROUP BY code), "
        "flags AS (SELECT cc.case_id, cc.category, "
        "max(CASE WHEN cc.occurred_on > f.first_on THEN 1 ELSE 0 END) AS repeat "
        "FROM cc LEFT JOIN first f ON f.code = cc.code WHERE cc.in_scope "
        "GROUP BY cc.case_id, cc.category) "
        "SELECT category, count(*) AS cases, sum(repeat) AS repeats, "
        "CAST(sum(repeat) AS DOUBLE) / count(*) FROM flags GROUP BY category "
        "ORDER BY 4 DESC, category"
    )
    return [
        RepeatRate(r[0], int(r[1]), int(r[2]), float(r[3]))
        for r in t.con.execute(sql, params).fetchall()
    ]


@dataclass(frozen=True)
class IneffectiveAction:
    """A completed action whose cause code occurred again in a later case."""

    case_id: str
    action_id: str
    owner: str | None
    status: str
    completed_on: date
    code: str
    recurred_in: list[str]  # cases where the code occurred after completion, in order
    first_recurrence_on: date


def ineffective_actions_sql(t: CaseTables) -> str:
    """SQL: actions whose addressed cause codes occurred in another case after completion."""
    return (
        "WITH done AS (SELECT a.case_id, a.action_id, a.owner, a.status, a.completed_on, c.code "
        f"FROM {t.table('actions')} a "
        f"JOIN {t.table('action_causes')} ac USING (case_id, action_id) "
        f"JOIN {t.table('causes')} c ON c.case_id = ac.case_id AND c.cause_id = ac.cause_id "
        "WHERE a.completed_on IS NOT NULL AND c.code IS NOT NULL), "
        "later AS (SELECT DISTINCT d.case_id, d.action_id, d.owner, d.status, d.completed_on, "
        "d.code, k.case_id AS recurred_in, k.occurred_on "
        f"FROM done d JOIN {t.table('causes')} c2 ON c2.code = d.code AND c2.case_id <> d.case_id "
        f"JOIN {t.table('cases')} k ON k.case_id = c2.case_id "
        "WHERE k.occurred_on > d.completed_on) "
        "SELECT case_id, action_id, owner, status, completed_on, code, "
        "list(recurred_in ORDER BY occurred_on, recurred_in), min(occurred_on) "
        "FROM later GROUP BY case_id, action_id, owner, status, completed_on, code "
        "ORDER BY case_id, action_id, code"
    )


def ineffective_actions(t: CaseTables) -> list[IneffectiveAction]:
    """Completed actions whose cause came back: the code occurred after the completion date."""
    return [
        IneffectiveAction(r[0], r[1], r[2], r[3], r[4], r[5], list(r[6]), r[7])
        for r in t.con.execute(ineffective_actions_sql(t)).fetchall()
    ]


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True)
class ActionState:
    """One corrective action and where it stands on `today`."""

    case_id: str
    action_id: str
    owner: str | None
    status: str
    due: date | None
    completed_on: date | None
    verify_by: date | None
    open: bool  # planned or in progress
    overdue: bool  # open and past its due date
    awaiting_verification: bool  # done, not verified, with a verify_by date
    verification_overdue: bool  # awaiting verification past verify_by
    ineffective: bool  # its cause code occurred again after completion


@dataclass(frozen=True)
class Portfolio:
    """Corrective actions of one owner (or all owners: `owner` None, `total` True) by state."""

    owner: str | None
    total: bool
    actions: int
    open: int
    overdue: int
    done: int  # status done (complete, not yet verified)
    awaiting_verification: int
    verification_overdue: int
    verified: int
    cancelled: int
    ineffective: int


def _states_sql(t: CaseTables) -> str:
    opened = ", ".join(f"'{s}'" for s in sorted(s.value for s in OPEN_ACTION_STATUSES))
    return (
        f"WITH bad AS (SELECT DISTINCT case_id, action_id FROM ({ineffective_actions_sql(t)})) "
        "SELECT a.case_id, a.action_id, a.owner, a.status, a.due, a.completed_on, a.verify_by, "
        f"a.status IN ({opened}) AS open, "
        f"a.status IN ({opened}) AND a.due < ? AS overdue, "
        "a.status = 'done' AND a.verify_by IS NOT NULL AS awaiting, "
        "a.status = 'done' AND a.verify_by < ? AS verification_overdue, "
        "bad.action_id IS NOT NULL AS ineffective "
        f"FROM {t.table('actions')} a LEFT JOIN bad USING (case_id, action_id)"
    )


def action_states(t: CaseTables, today: date) -> list[ActionState]:
    """Every corrective action with its state on `today`."""
    sql = _states_sql(t) + " ORDER BY a.case_id, a.action_id"
    return [
        ActionState(*r[:7], *(bool(v) for v in r[7:]))
        for r in t.con.execute(sql, [today, today]).fetchall()
    ]


def action_portfolio(t: CaseTables, today: date) -> list[Portfolio]:
    """Corrective actions by owner and state on `today`, with a total row last."""
    sql = (
        f"WITH s AS ({_states_sql(t)}) "
        "SELECT owner, GROUPING(owner) = 1 AS total, count(*), "
        "sum(CASE WHEN open THEN 1 ELSE 0 END), sum(CASE WHEN overdue THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 'done' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN awaiting THEN 1 ELSE 0 END), "
        "sum(CASE WHEN verification_overdue THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 'verified' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN ineffective THEN 1 ELSE 0 END) "
        "FROM s GROUP BY GROUPING SETS ((owner), ()) "
        "ORDER BY total, owner NULLS LAST"
    )
    return [
        Portfolio(r[0], bool(r[1]), *(int(v or 0) for v in r[2:]))  # sums are NULL when empty
        for r in t.con.execute(sql, [today, today]).fetchall()
    ]


# --------------------------------------------------------------------------- clocks


@dataclass(frozen=True)
class ClockSummary:
    """One clock over a group of cases: elapsed-time quantiles and service-level breaches."""

    metric: str
    process_type: str | None  # None: every process type
    period: date | None  # None: the whole range
    measured: int  # cases where both milestones exist
    median_seconds: float | None
    p90_seconds: float | None
    mean_seconds: float | None
    with_target: int  # measured cases with a service level for this clock
    breached: int
    breach_rate: float | None  # breached / with_target


def clock_summary(t: CaseTables, scope: Scope | None = None) -> list[ClockSummary]:
    """Time to detect, escalate, respond and resolve, by process type and period, and totals."""
    scope = scope or Scope()
    where, params = _scope_sql(scope)
    sql = (
        f"WITH m AS (SELECT c.metric, c.process_type, "
        f"CAST(date_trunc('{scope.period}', k.detected_on) AS DATE) AS period, "
        "c.elapsed_seconds, c.breached "
        f"FROM {t.table('clocks')} c JOIN {t.table('cases')} k USING (case_id) "
        f"WHERE c.elapsed_seconds IS NOT NULL AND {where}) "
        "SELECT metric, process_type, period, count(*), median(elapsed_seconds), "
        "quantile_cont(elapsed_seconds, 0.9), avg(elapsed_seconds), count(breached), "
        "sum(CASE WHEN breached THEN 1 ELSE 0 END) "
        "FROM m GROUP BY GROUPING SETS ((metric, process_type, period), (metric, process_type), "
        "(metric, period), (metric)) "
        "ORDER BY CASE metric WHEN 'detect' THEN 1 WHEN 'escalate' THEN 2 WHEN 'respond' THEN 3 "
        "ELSE 4 END, process_type NULLS FIRST, period NULLS FIRST"
    )
    return [
        ClockSummary(
            metric=r[0],
            process_type=r[1],
            period=r[2],
            measured=int(r[3]),
            median_seconds=_f(r[4]),
            p90_seconds=_f(r[5]),
            mean_seconds=_f(r[6]),
            with_target=int(r[7]),
            breached=int(r[8] or 0),
            breach_rate=int(r[8] or 0) / int(r[7]) if r[7] else None,
        )
        for r in t.con.execute(sql, params).fetchall()
    ]


def _f(value: Any) -> float | None:
    return None if value is None else float(value)
