"""Everything the trends deck and brief show, as plain data, and every table as rows for CSV/JSON.

qa = qa_trends(read_qa_folder(folder), Scope(period="month"))
cases = case_trends(load_records(paths), today=date.today())
qa.tables()   # name -> list of flat dicts (dates as YYYY-MM-DD), one per table
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from rca.load import LoadedRecord
from rca.trends.agreement import TRUST_THRESHOLD, Agreement, calibration_agreement
from rca.trends.cases import (
    CASE_DIMENSIONS,
    ActionState,
    CaseMix,
    CausePareto,
    ClockSummary,
    IneffectiveAction,
    Portfolio,
    Recurrence,
    RepeatRate,
    Rows,
    action_portfolio,
    action_states,
    case_mix,
    case_rows,
    cause_pareto,
    clock_summary,
    ineffective_actions,
    recurrence,
    repeat_rates,
    tables_of,
)
from rca.trends.qa import QaData
from rca.trends.queries import (
    Accuracy,
    ParetoRow,
    Scope,
    accuracy,
    control_charts,
    error_pareto,
    handled_span,
)
from rca.trends.stats import DEFAULT_RULES, ChartPoint, PChart, Rule

if TYPE_CHECKING:
    from rca.analyse.findings import Findings

Row = dict[str, Any]


def as_rows(items: Sequence[Any]) -> list[Row]:
    """Dataclasses -> flat dicts with JSON/CSV-ready values (dates ISO, lists joined by '; ')."""
    return [{k: _cell(v) for k, v in dataclasses.asdict(item).items()} for item in items]


def columns_of(cls: type[Any]) -> list[str]:
    """The column names `as_rows` gives a dataclass (for a table with no rows yet)."""
    return [f.name for f in dataclasses.fields(cls)]


def _cell(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "; ".join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return value


@dataclass(frozen=True)
class QaTrends:
    """The QA side of the trends report."""

    scope: Scope
    accuracy: list[Accuracy]
    charts: list[PChart]
    errors: list[ParetoRow]
    errors_by_process: list[ParetoRow]
    errors_by_severity: list[ParetoRow]
    agreement: list[Agreement]  # empty without a calibration set
    handled: tuple[date, date] | None = None  # first and last day an assessed item was handled

    @property
    def untrusted(self) -> list[str]:
        """Attributes whose reviewer agreement is too low to trust their trend."""
        return [a.attribute for a in self.agreement if a.trusted is False]

    def tables(self) -> dict[str, list[Row]]:
        """Every table, as rows: the CSV/JSON export."""
        points = [
            {"metric": c.metric, "centre": c.centre, **row, "flagged": bool(row["rules"])}
            for c in self.charts
            for row in as_rows(c.points)
        ]
        return {
            "qa_accuracy": as_rows(self.accuracy),
            "qa_control_chart": points,
            "qa_error_pareto": as_rows(self.errors),
            "qa_error_pareto_by_process": as_rows(self.errors_by_process),
            "qa_error_pareto_by_severity": as_rows(self.errors_by_severity),
            "qa_agreement": as_rows(self.agreement),
        }

    @staticmethod
    def columns() -> dict[str, list[str]]:
        """Every table's column names, in `tables()` order (known even when a table is empty)."""
        return {
            "qa_accuracy": columns_of(Accuracy),
            "qa_control_chart": ["metric", "centre", *columns_of(ChartPoint), "flagged"],
            "qa_error_pareto": columns_of(ParetoRow),
            "qa_error_pareto_by_process": columns_of(ParetoRow),
            "qa_error_pareto_by_severity": columns_of(ParetoRow),
            "qa_agreement": columns_of(Agreement),
        }


def qa_trends(
    data: QaData,
    scope: Scope | None = None,
    *,
    baseline: int | None = None,
    rules: Sequence[Rule] = DEFAULT_RULES,
    threshold: float = TRUST_THRESHOLD,
) -> QaTrends:
    """Accuracy, control charts, error Paretos and calibration agreement for a QA folder."""
    scope = scope or Scope()
    table = data.assessments
    return QaTrends(
        scope=scope,
        accuracy=accuracy(table, scope),
        charts=control_charts(table, scope, baseline=baseline, rules=rules),
        errors=error_pareto(table, scope),
        errors_by_process=error_pareto(table, scope, "process_type"),
        errors_by_severity=error_pareto(table, scope, "severity"),
        agreement=(
            calibration_agreement(data.calibration, threshold=threshold)
            if data.calibration is not None
            else []
        ),
        handled=handled_span(table, scope),
    )


@dataclass(frozen=True)
class CaseTrends:
    """The case-review side of the trends report."""

    scope: Scope
    today: date
    categories: list[CausePareto]
    categories_by: dict[str, list[CausePareto]]  # dimension -> Pareto within each group
    codes: list[CausePareto]
    root_categories: list[CausePareto]  # root causes only; empty without findings
    root_codes: list[CausePareto]
    recurrence: list[Recurrence]
    repeat_rates: list[RepeatRate]
    ineffective: list[IneffectiveAction]
    portfolio: list[Portfolio]
    actions: list[ActionState]
    clocks: list[ClockSummary]
    severity_mix: list[CaseMix]
    detection_mix: list[CaseMix]

    def tables(self) -> dict[str, list[Row]]:
        """Every table, as rows: the CSV/JSON export."""
        out = {
            "case_category_pareto": as_rows(self.categories),
            "case_code_pareto": as_rows(self.codes),
            "case_root_category_pareto": as_rows(self.root_categories),
            "case_root_code_pareto": as_rows(self.root_codes),
            "case_recurrence": as_rows(self.recurrence),
            "case_repeat_rate": as_rows(self.repeat_rates),
            "case_ineffective_actions": as_rows(self.ineffective),
            "case_action_portfolio": as_rows(self.portfolio),
            "case_actions": as_rows(self.actions),
            "case_clocks": as_rows(self.clocks),
            "case_severity_mix": as_rows(self.severity_mix),
            "case_detection_mix": as_rows(self.detection_mix),
        }
        for dimension, rows in self.categories_by.items():
            out[f"case_category_pareto_by_{dimension}"] = as_rows(rows)
        return out

    @staticmethod
    def columns() -> dict[str, list[str]]:
        """Every table's column names, in `tables()` order (known even when a table is empty)."""
        out = {
            "case_category_pareto": columns_of(CausePareto),
            "case_code_pareto": columns_of(CausePareto),
            "case_root_category_pareto": columns_of(CausePareto),
            "case_root_code_pareto": columns_of(CausePareto),
            "case_recurrence": columns_of(Recurrence),
            "case_repeat_rate": columns_of(RepeatRate),
            "case_ineffective_actions": columns_of(IneffectiveAction),
            "case_action_portfolio": columns_of(Portfolio),
            "case_actions": columns_of(ActionState),
            "case_clocks": columns_of(ClockSummary),
            "case_severity_mix": columns_of(CaseMix),
            "case_detection_mix": columns_of(CaseMix),
        }
        for dimension in CASE_DIMENSIONS:
            out[f"case_category_pareto_by_{dimension}"] = columns_of(CausePareto)
        return out


def case_trends(
    records: Sequence[LoadedRecord],
    *,
    today: date,
    scope: Scope | None = None,
    findings: Mapping[str, Findings] | None = None,
) -> CaseTrends:
    """Paretos, recurrence, the action portfolio and clocks over a set of case reviews."""
    found = findings or {}
    parts = [case_rows(r, found.get(r.record.case_id)) for r in records]
    # Roles (root, contributing...) come from the analysis; without findings they are unknown.
    roots = any(f.causes for f in found.values())
    return case_trends_of(parts, today=today, scope=scope, roots=roots)


def case_trends_of(
    parts: Sequence[Rows], *, today: date, scope: Scope | None = None, roots: bool
) -> CaseTrends:
    """`case_trends` from every case's table rows (`rca.trends.cases.case_rows`).

    `roots`: the rows carry the analysis's cause roles (root, contributing...).
    """
    scope = scope or Scope()
    t = tables_of(parts)
    return CaseTrends(
        scope=scope,
        today=today,
        categories=cause_pareto(t, "category", None, scope),
        categories_by={by: cause_pareto(t, "category", by, scope) for by in CASE_DIMENSIONS},
        codes=cause_pareto(t, "code", None, scope),
        root_categories=cause_pareto(t, "category", None, scope, roots_only=True) if roots else [],
        root_codes=cause_pareto(t, "code", None, scope, roots_only=True) if roots else [],
        recurrence=recurrence(t, scope),
        repeat_rates=repeat_rates(t, scope),
        ineffective=ineffective_actions(t),
        portfolio=action_portfolio(t, today),
        actions=action_states(t, today),
        clocks=clock_summary(t, scope),
        severity_mix=case_mix(t, "severity", scope),
        detection_mix=case_mix(t, "detected_by", scope),
    )
