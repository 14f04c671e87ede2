"""Every trends table as CSV and JSON: `tables/<name>.csv` and `tables/<name>.json`.

CSV: a header row (written even for an empty table), UTF-8, LF line ends,
booleans as true/false, missing values empty, floats at full precision.
JSON: a list of row objects; a value that is not a finite number is null.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

Row = dict[str, Any]


def table_files(
    tables: Mapping[str, Sequence[Row]],
    columns: Mapping[str, Sequence[str]],
    formats: Sequence[str],
) -> dict[str, bytes]:
    """Relative path -> bytes for every table in each of the requested formats (csv, json)."""
    out: dict[str, bytes] = {}
    for name, rows in tables.items():
        clean = [{k: _finite(v) for k, v in row.items()} for row in rows]
        header = list(columns.get(name) or (list(rows[0]) if rows else []))
        if "csv" in formats:
            out[f"tables/{name}.csv"] = to_csv(header, clean)
        if "json" in formats:
            out[f"tables/{name}.json"] = to_json(clean)
    return out


def to_csv(header: Sequence[str], rows: Sequence[Row]) -> bytes:
    """CSV bytes with the header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_csv_cell(row.get(c)) for c in header] for row in rows)
    return buffer.getvalue().encode("utf-8")


def to_json(rows: Sequence[Row]) -> bytes:
    """JSON bytes: a list of objects, keys in column order, stable formatting."""
    return (json.dumps(list(rows), indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode(
        "utf-8"
    )


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
