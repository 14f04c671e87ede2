"""QA assessments: the specialists' sampled reviews of handled requests, read into DuckDB.

One row per assessed item (a calibration file: one row per item and reviewer):

    item_id, handled_on, process_type, specialist, reviewer,
    <attribute>..., error_type, severity

Every column not named above is an attribute (a lower-case name such as
`legal_scope_correct`) holding pass, fail or na (true/false and 1/0 are read
as pass/fail; empty is na). `specialist` and `reviewer` are pseudonyms
(SPEC-07, REV-A), never names. An item with a failed attribute names its
error type and severity; an item without one leaves both empty.

Input is CSV (UTF-8, comma, double quotes) or Parquet. Every problem is
collected before failing and located as `file:line:column: column: message`;
for Parquet the position is `row:column`, both counted from 1.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
from numpy.typing import ArrayLike

from rca.errors import Problem, RecordError, UsageError
from rca.model import ProcessType, Severity, describe_value


class ErrorType(StrEnum):
    """What went wrong with an assessed item (DOMAIN.md section 4)."""

    OVER_DISCLOSURE = "over_disclosure"  # a false positive: more produced than the process allows
    UNDER_PRODUCTION = "under_production"  # a false negative: less than required
    WRONG_ACCOUNT = "wrong_account"  # wrong selection: another account's data
    WRONG_PROCESS_CATEGORY = "wrong_process_category"  # wrong selection: process misread
    WRONG_DATE_TIME = "wrong_date_time"  # date range or time-zone conversion
    NO_AUTHORITY = "no_authority"  # acted without a verified requester or valid process
    TECHNICAL_ERROR = "technical_error"  # a system did something wrong
    WORKFLOW = "workflow"  # a step skipped or done out of order (notice, preservation)


Kind = Literal["assessments", "calibration"]
SUFFIXES = (".csv", ".parquet")
KEY_COLUMNS = ("item_id", "handled_on", "process_type", "specialist", "reviewer")
ERROR_COLUMNS = ("error_type", "severity")
FIXED_COLUMNS = KEY_COLUMNS + ERROR_COLUMNS
ITEM_METRIC = "all_attributes"  # item-level accuracy: no attribute failed
RESERVED = frozenset(FIXED_COLUMNS) | {ITEM_METRIC}
MAX_SHOWN = 10  # problems shown per check before "and N more"

PASS_WORDS = ("pass", "true", "1")
FAIL_WORDS = ("fail", "false", "0")
NA_WORDS = ("na", "n/a")
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class QaTable:
    """A validated QA table in DuckDB: item columns, attributes as BOOLEAN (NULL = na)."""

    con: duckdb.DuckDBPyConnection
    name: str
    attributes: tuple[str, ...]
    source: str
    rows: int
    kind: Kind = "assessments"
    sha256: str = ""  # of the file read ("" for in-memory columns): outputs name data by hash


@dataclass(frozen=True)
class QaData:
    """The QA assessments of a folder and, when present, its calibration set."""

    assessments: QaTable
    calibration: QaTable | None


def quote(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --------------------------------------------------------------------------- reading


def find_qa_file(folder: Path, stem: str) -> Path | None:
    """`folder/stem.csv` or `folder/stem.parquet`, whichever exists (an error if both)."""
    found = [folder / f"{stem}{s}" for s in SUFFIXES if (folder / f"{stem}{s}").is_file()]
    if len(found) > 1:
        raise UsageError(f"{folder}: both {found[0].name} and {found[1].name}; keep one")
    return found[0] if found else None


def read_qa_folder(folder: Path, con: duckdb.DuckDBPyConnection | None = None) -> QaData:
    """Read `assessments` and, if present, `calibration` (.csv or .parquet) from a folder."""
    con = con or duckdb.connect()
    assessments = find_qa_file(folder, "assessments")
    if assessments is None:
        raise UsageError(f"{folder}: no assessments.csv or assessments.parquet")
    calibration = find_qa_file(folder, "calibration")
    problems: list[Problem] = []
    tables: dict[Kind, QaTable] = {}
    files: tuple[tuple[Path | None, Kind], ...] = (
        (assessments, "assessments"),
        (calibration, "calibration"),
    )
    for path, kind in files:
        if path is None:
            continue
        try:
            tables[kind] = read_qa(path, con=con, name=kind, kind=kind)
        except RecordError as exc:  # collect both files' problems before failing
            problems.extend(exc.problems)
    if problems:
        raise RecordError(problems)
    return QaData(tables["assessments"], tables.get("calibration"))


def read_qa(
    path: Path,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    name: str = "qa",
    kind: Kind = "assessments",
) -> QaTable:
    """Read and validate a QA file into table `name`; RecordError lists every problem."""
    if not TABLE_NAME.fullmatch(name):
        raise UsageError(f"table name {name!r}: use lower-case letters, digits and _")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    con = con or duckdb.connect()
    raw = f"_rca_raw_{name}"
    if path.suffix == ".csv":
        columns = _stage_csv(con, path, raw)
    elif path.suffix == ".parquet":
        columns = _stage_parquet(con, path, raw)
    else:
        raise UsageError(f"{path}: expected a .csv or .parquet file")
    table = _finish(con, raw, str(path), columns, name, kind)
    with path.open("rb") as handle:
        return replace(table, sha256=hashlib.file_digest(handle, "sha256").hexdigest())


def read_qa_columns(
    columns: Mapping[str, ArrayLike],
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    name: str = "qa",
    kind: Kind = "assessments",
    source: str = "<memory>",
) -> QaTable:
    """Validate in-memory columns (name -> numpy array of text) into table `name`.

    Row numbers in problems count from 1, as for Parquet.
    """
    if not TABLE_NAME.fullmatch(name):
        raise UsageError(f"table name {name!r}: use lower-case letters, digits and _")
    con = con or duckdb.connect()
    raw, view = f"_rca_raw_{name}", f"_rca_view_{name}"
    header = _check_header(source, list(columns), None)
    arrays = {c: np.asarray(v) for c, v in columns.items()}
    rows = len(next(iter(arrays.values()))) if arrays else 0
    con.register(view, {"_rca_line": np.arange(1, rows + 1, dtype=np.int64), **arrays})
    try:
        select = ", ".join(
            f"nullif(trim(CAST({quote(c)} AS VARCHAR)), '') AS {quote(c)}" for c in header
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote(raw)} AS "
            f"SELECT _rca_line AS _line, {select} FROM {quote(view)}"
        )
    finally:
        con.unregister(view)
    return _finish(con, raw, source, header, name, kind)


def _finish(
    con: duckdb.DuckDBPyConnection, raw: str, shown: str, columns: list[str], name: str, kind: Kind
) -> QaTable:
    try:
        attributes = tuple(c for c in columns if c not in RESERVED)
        problems = _check_values(con, raw, shown, columns, attributes, kind)
        if problems:
            raise RecordError(problems)
        con.execute(f"CREATE OR REPLACE TABLE {quote(name)} AS {_typed_select(raw, attributes)}")
    finally:
        con.execute(f"DROP TABLE IF EXISTS {quote(raw)}")
    rows = _scalar(con, f"SELECT count(*) FROM {quote(name)}")
    return QaTable(con, name, attributes, shown, int(rows), kind)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> Any:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open on the connection.
    rows = con.execute(sql, list(params)).fetchall()
    return rows[0][0] if rows else None


def _check_header(shown: str, header: Sequence[str], line: int | None) -> list[str]:
    """The header's column names, or RecordError listing what is wrong with them."""
    problems: list[str] = []
    seen: set[str] = set()
    for i, column in enumerate(header, start=1):
        if not column:
            problems.append(f"column {i} has no name")
        elif column in seen:
            problems.append(f"column '{column}' appears twice")
        elif column.lower() in RESERVED and column not in RESERVED:
            problems.append(
                f"column '{column}': did you mean '{column.lower()}'? (names are lower-case)"
            )
        elif column not in RESERVED and not ATTRIBUTE_NAME.fullmatch(column):
            problems.append(
                f"column '{column}': an attribute column needs a lower-case name like "
                "legal_scope_correct (a letter, then letters, digits or _)"
            )
        elif column == ITEM_METRIC:
            problems.append(f"column '{column}' is reserved for item-level accuracy; rename it")
        seen.add(column)
    missing = [c for c in FIXED_COLUMNS if c not in seen]
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if not any(c not in RESERVED for c in header) and header:
        problems.append("no attribute columns (such as legal_scope_correct) to report on")
    if problems:
        raise RecordError([Problem(shown, line, None, "columns", p) for p in problems])
    return list(header)


def _stage_csv(con: duckdb.DuckDBPyConnection, path: Path, raw: str) -> list[str]:
    shown = str(path)
    with path.open("rb") as f:
        first = f.readline()
    try:
        header = next(csv.reader([first.decode("utf-8-sig")]), [])
    except UnicodeDecodeError:
        raise RecordError([Problem(shown, 1, None, "", "not UTF-8 text")]) from None
    if not header:
        raise RecordError(
            [Problem(shown, 1, None, "", "the file is empty; expected a header line")]
        )
    columns = _check_header(shown, [h.strip() for h in header], 1)
    spec = "{" + ", ".join(f"{_literal(c)}: 'VARCHAR'" for c in columns) + "}"
    rejects, scan = f"{raw}_rejects", f"{raw}_scan"
    select = ", ".join(f"nullif(trim({quote(c)}), '') AS {quote(c)}" for c in columns)
    read = f"{raw}_read"
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote(read)} AS SELECT {select} "
            f"FROM read_csv(?, header=true, auto_detect=false, delim=',', quote='\"', "
            f"escape='\"', columns={spec}, store_rejects=true, "
            f"rejects_table={_literal(rejects)}, rejects_scan={_literal(scan)})",
            [str(path)],
        )
    except duckdb.Error as exc:
        raise RecordError([Problem(shown, _line_of(exc), None, "", _first_line(exc))]) from None
    # read_csv gives no line numbers, but rowid follows the file's order (DuckDB keeps
    # insertion order); any rejected line fails the file before the rows are numbered.
    rejected = con.execute(
        f"SELECT line, column_name, error_type::VARCHAR, error_message FROM {quote(rejects)} "
        "ORDER BY line, column_idx"
    ).fetchall()
    con.execute(f"DROP TABLE IF EXISTS {quote(rejects)}")
    con.execute(f"DROP TABLE IF EXISTS {quote(scan)}")
    # DuckDB reports a short line once per missing value: keep the first report of each line.
    by_line = {r[0]: r for r in reversed(rejected)}
    problems = [_reject_problem(shown, columns, *by_line[line]) for line in sorted(by_line)]
    if problems:
        con.execute(f"DROP TABLE {quote(read)}")
        raise RecordError(problems)
    # Lines are counted as records, as DuckDB counts them in its own messages: a value
    # holding a quoted line break shifts the physical line numbers after it.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote(raw)} AS "
        f"SELECT rowid + 2 AS _line, * FROM {quote(read)}"
    )
    con.execute(f"DROP TABLE {quote(read)}")
    return columns


_FOUND = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _reject_problem(
    shown: str, columns: list[str], line: int, column: str | None, kind: str, message: str
) -> Problem:
    index = columns.index(column) + 1 if column in columns else len(columns) + 1
    found = _FOUND.search(message)
    if found:
        text = f"expected {found[1]} values, one per header column; found {found[2]}"
    elif kind == "INVALID ENCODING":
        text = "not UTF-8 text"
    elif kind == "UNQUOTED VALUE":
        text = 'a quote inside a value; quote the whole value and write an inner quote as ""'
    else:
        text = message.strip().splitlines()[0]
    return Problem(shown, int(line), index, column or "", text)


def _line_of(exc: Exception) -> int | None:
    found = re.search(r"Line: (\d+)", str(exc))
    return int(found[1]) if found else None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"^[A-Za-z ]+Error: ", "", text)


def _stage_parquet(con: duckdb.DuckDBPyConnection, path: Path, raw: str) -> list[str]:
    shown = str(path)
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as exc:
        problem = Problem(shown, None, None, "", f"not a readable Parquet file: {_first_line(exc)}")
        raise RecordError([problem]) from None
    types = {str(r[0]): str(r[1]) for r in described}
    columns = _check_header(shown, [str(r[0]) for r in described], None)

    def as_text(column: str) -> str:
        kind = types[column].upper()
        value = quote(column)
        if kind == "DATE" or kind.startswith("TIMESTAMP"):
            value = f"strftime(CAST({value} AS DATE), '%Y-%m-%d')"
        return f"nullif(trim(CAST({value} AS VARCHAR)), '') AS {quote(column)}"

    select = ", ".join(as_text(c) for c in columns)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote(raw)} AS SELECT file_row_number + 1 AS _line, "
            f"{select} FROM read_parquet(?, file_row_number=true)",
            [str(path)],
        )
    except duckdb.Error as exc:  # a damaged file whose schema still reads
        problem = Problem(shown, None, None, "", f"not a readable Parquet file: {_first_line(exc)}")
        raise RecordError([problem]) from None
    return columns


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class _Check:
    column: str  # where the problem is reported
    bad: str  # SQL predicate over the raw row
    value: str  # SQL expression shown in the message
    message: Callable[[Any], str]


def _in(column: str, words: Sequence[str], lower: bool = False) -> str:
    value = f"lower({quote(column)})" if lower else quote(column)
    return f"{value} IN ({', '.join(_literal(w) for w in words)})"


def _one_of(options: Sequence[str]) -> Callable[[Any], str]:
    def message(value: Any) -> str:
        close = difflib.get_close_matches(str(value), options, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"expected one of: {', '.join(options)}; got {describe_value(value)}{hint}"

    return message


def _fixed(text: str) -> Callable[[Any], str]:
    return lambda value: text


def _got(text: str) -> Callable[[Any], str]:
    return lambda value: f"{text}; got {describe_value(value)}"


def _fails(attribute: str) -> str:
    return _in(attribute, FAIL_WORDS, lower=True)


def _checks(attributes: Sequence[str], kind: Kind) -> list[_Check]:
    q = quote
    processes = [p.value for p in ProcessType]
    errors = [e.value for e in ErrorType]
    severities = [s.value for s in Severity]
    words = PASS_WORDS + FAIL_WORDS + NA_WORDS
    checks = [
        _Check(c, f"{q(c)} IS NULL", "NULL", _fixed("must not be empty")) for c in KEY_COLUMNS
    ]
    checks += [
        _Check(
            "item_id",
            "NOT regexp_full_match(item_id, '[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}')",
            "item_id",
            _got("expected an item id like QA-2025-00123 (letters, digits, _ . : / -)"),
        ),
        _Check(
            "handled_on",
            "NOT regexp_full_match(handled_on, '[0-9]{4}-[0-9]{2}-[0-9]{2}')",
            "handled_on",
            _got("expected a date as YYYY-MM-DD, e.g. 2026-03-04"),
        ),
        _Check(
            "handled_on",
            "regexp_full_match(handled_on, '[0-9]{4}-[0-9]{2}-[0-9]{2}') "
            "AND TRY_CAST(handled_on AS DATE) IS NULL",
            "handled_on",
            lambda v: f"not a real date: {describe_value(v)}",
        ),
        _Check(
            "process_type",
            f"NOT {_in('process_type', processes)}",
            "process_type",
            _one_of(processes),
        ),
    ]
    for column in ("specialist", "reviewer"):
        checks.append(
            _Check(
                column,
                f"NOT regexp_full_match({q(column)}, '[A-Z][A-Z0-9]{{0,11}}-[A-Z0-9]{{1,12}}')",
                q(column),
                _got(
                    "expected a pseudonym like SPEC-07 or REV-A (capitals and digits around "
                    "one hyphen), never a person's name"
                ),
            )
        )
    checks += [
        _Check(a, f"NOT {_in(a, words, lower=True)}", q(a), _got("expected pass, fail or na"))
        for a in attributes
    ]
    any_fail = " OR ".join(f"coalesce({_fails(a)}, false)" for a in attributes) or "false"
    failed_names = (
        "concat_ws(', ', "
        + ", ".join(f"CASE WHEN {_fails(a)} THEN {_literal(a)} END" for a in attributes)
        + ")"
    )
    checks += [
        _Check("error_type", f"NOT {_in('error_type', errors)}", "error_type", _one_of(errors)),
        _Check("severity", f"NOT {_in('severity', severities)}", "severity", _one_of(severities)),
        _Check(
            "severity",
            "error_type IS NOT NULL AND severity IS NULL",
            "error_type",
            _fixed("an item with an error_type needs a severity: " + ", ".join(severities)),
        ),
        _Check(
            "error_type",
            "error_type IS NULL AND severity IS NOT NULL",
            "severity",
            lambda v: f"severity is {describe_value(v)} but error_type is empty; name the error",
        ),
        _Check(
            "error_type",
            f"error_type IS NOT NULL AND NOT ({any_fail})",
            "error_type",
            lambda v: f"error_type is {describe_value(v)} but no attribute failed",
        ),
        _Check(
            "error_type",
            f"error_type IS NULL AND severity IS NULL AND ({any_fail})",
            failed_names,
            lambda v: f"{v} failed, so error_type and severity must name the error",
        ),
    ]
    if kind == "assessments":
        checks.append(
            _Check(
                "item_id",
                "_first < _line",
                "[item_id, _first::VARCHAR]",
                lambda v: (
                    f"item {describe_value(v[0])} is already on line {v[1]}; assess each item "
                    "once here (repeat scores by several reviewers go in the calibration file)"
                ),
            )
        )
    else:
        checks.append(
            _Check(
                "reviewer",
                "_first < _line",
                "[reviewer, item_id, _first::VARCHAR]",
                lambda v: f"{v[0]} already scored item {describe_value(v[1])} on line {v[2]}",
            )
        )
    return checks


def _check_values(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    shown: str,
    columns: list[str],
    attributes: Sequence[str],
    kind: Kind,
) -> list[Problem]:
    key = "item_id" if kind == "assessments" else "item_id, reviewer"
    source = f"(SELECT *, min(_line) OVER (PARTITION BY {key}) AS _first FROM {quote(raw)}) AS t"
    checks = _checks(attributes, kind)
    # One pass counts every check; only the failing ones are fetched row by row.
    counts = con.execute(
        "SELECT " + ", ".join(f"count_if({c.bad})" for c in checks) + f" FROM {source}"
    ).fetchall()[0]
    index = {c: i for i, c in enumerate(columns, start=1)}
    problems: list[Problem] = []
    for check, count in zip(checks, counts, strict=True):
        if not count:
            continue
        rows = con.execute(
            f"SELECT _line, {check.value} FROM {source} WHERE {check.bad} "
            f"ORDER BY _line LIMIT {MAX_SHOWN + 1}"
        ).fetchall()
        col = index[check.column]
        for line, value in rows[:MAX_SHOWN]:
            problems.append(Problem(shown, int(line), col, check.column, check.message(value)))
        if count > MAX_SHOWN:
            line = int(rows[MAX_SHOWN][0])
            more = count - MAX_SHOWN
            problems.append(
                Problem(
                    shown, line, col, check.column, f"... and {more:,} more like this from here on"
                )
            )
    return problems


def _typed_select(raw: str, attributes: Sequence[str]) -> str:
    def boolean(a: str) -> str:
        return (
            f"CASE WHEN {_in(a, PASS_WORDS, lower=True)} THEN true "
            f"WHEN {_in(a, FAIL_WORDS, lower=True)} THEN false END AS {quote(a)}"
        )

    attrs = "".join(f", {boolean(a)}" for a in attributes)
    return (
        "SELECT item_id, CAST(handled_on AS DATE) AS handled_on, process_type, specialist, "
        f"reviewer{attrs}, error_type, severity FROM {quote(raw)}"
    )
