"""The brief's table of clocks by request: each clock under its own metric's column.

A case whose requests measure different clocks (an emergency with only a
respond clock beside a warrant with all four) once shifted the second row's
cells under the first row's headers. Read back from the session's build of
every bundled case with an HTML parser.
"""

from __future__ import annotations

from typing import Any

from rca.analyse.metrics import format_duration
from rca.render.formatting import label
from tests.render.html_tables import table_rows


def test_every_clock_sits_under_its_own_metric(bundled_outputs: dict[str, Any]) -> None:
    checked = 0
    for (case, audience), context in sorted(bundled_outputs["contexts"].items()):
        if len(context["requests"]) < 2:
            continue
        html = bundled_outputs["files"][(case, audience, "html")].decode("utf-8")
        table = table_rows(html, "by-request")
        if not table:  # this audience's brief has no impact section
            continue
        header, *rows = table
        labels = context["labels"]
        metrics = {label(labels, m): m for m in ("detect", "escalate", "respond", "resolve")}
        assert header[0] == "Request" and all(h in metrics for h in header[1:]), header
        clocks = {
            (c["request"], c["metric"]): c
            for c in context["findings"]["clocks"]
            if c["target_seconds"] is not None or c["elapsed_seconds"] is not None
        }
        for row in rows:
            assert len(row) == len(header), (case, row)
            request = row[0].split(":")[0]
            for heading, cell in zip(header[1:], row[1:], strict=True):
                clock = clocks.get((request, metrics[heading]))
                if clock is None:
                    assert cell == "\u2013", (case, request, heading, cell)  # an en dash
                elif clock["elapsed_seconds"] is not None:
                    assert cell.startswith(format_duration(clock["elapsed_seconds"])), (
                        case,
                        request,
                        heading,
                        cell,
                    )
                checked += 1
    assert checked >= 8  # ESC-0192's three requests and ESC-0196's two
