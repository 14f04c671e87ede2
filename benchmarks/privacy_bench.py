"""What redaction and the leak guard cost per case as the declared identifiers grow.

    .venv/bin/python -m benchmarks.privacy_bench                 # 10, 100, 1,000, 5,000
    .venv/bin/python -m benchmarks.privacy_bench --sizes 10,100  # a quick look

A bundled case (ESC-0142) gets N extra declared identifiers of every kind
(fictional values: reserved ranges, example domains). For each N, the case is
rendered once for both audiences in every format with the guard switched off;
then, with every result cache emptied, the figures are the median CPU seconds of a
few runs of:

- redaction: building both audiences' render contexts (the Scrubber for each,
  the redacted record view and the scrubbed findings);
- guard: `find_leaks` over every artifact of the case (which grow with N: the
  specialist outputs list every identifier);
- guard, same outputs: `find_leaks` with the N identifiers over the outputs of
  the case without extra identifiers, so only the number of identifiers
  changes.

Linear means the cost per added identifier stays flat; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.run import ROOT, TODAY, median_time

KINDS = (
    "account_id",
    "username",
    "email",
    "ip_address",
    "device_id",
    "person_name",
    "officer_name",
    "agency_case_number",
    "phone",
)
_GIVEN = ("Ada", "Bram", "Cleo", "Dov", "Esme", "Finn", "Gia", "Hugo", "Ines", "Jory")
_FAMILY = ("Ashgrove", "Birchley", "Coldwell", "Dunmore", "Elsworth", "Fairbank", "Glenholt")


def synthetic_value(kind: str, n: int) -> str:
    """A fictional value of a kind, distinct for every n."""
    if kind == "account_id":
        return str(700_000_000_000 + n * 7919)
    if kind == "username":
        return f"bench_user_{n:05d}"
    if kind == "email":
        return f"bench.person{n}@mail.example"
    if kind == "ip_address":
        return f"2001:db8:{n // 65536:x}:{n % 65536:x}::{n % 97 + 1:x}"
    if kind == "device_id":
        return f"DEV-{n:06d}-BENCH"
    if kind == "person_name":
        return f"{_GIVEN[n % len(_GIVEN)]} {_FAMILY[n // len(_GIVEN) % len(_FAMILY)]}{n}"
    if kind == "officer_name":
        return f"Det. {_GIVEN[n % len(_GIVEN)]} Benchwood{n}"
    if kind == "agency_case_number":
        return f"BCH-2026-{n:06d}"
    return f"+1 (307) {200 + n // 10_000 % 800:03d}-{n % 10_000:04d}"


def with_identifiers(count: int, folder: Path) -> Any:
    """ESC-0142 with `count` extra declared identifiers, loaded as rca loads records."""
    from rca.load import load_records
    from rca.yamlsafe import read_yaml

    located, problems = read_yaml(ROOT / "case_reviews" / "ESC-0142.yaml")
    assert located is not None and not problems, problems
    data = located.data
    count = min(count, 5000 - len(data["identifiers"]))  # the schema's cap on a list
    extra = [
        {"id": f"X{n}", "kind": kind, "value": synthetic_value(kind, n)}
        for n, kind in ((n, KINDS[n % len(KINDS)]) for n in range(count))
    ]
    data["identifiers"] = data["identifiers"] + extra
    path = folder / f"bench-{count}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_records([path])[0]


def bench_size(
    count: int,
    folder: Path,
    runs: int,
    base: list[Any] | None = None,
    formats: tuple[str, ...] = ("pptx", "pdf", "html"),
) -> dict[str, Any]:
    """Redaction and guard seconds for one case with `count` extra identifiers."""
    import rca.privacy.guard as guard
    from benchmarks.run import clear_result_caches
    from rca.analyse import analyse
    from rca.audience import select_profiles
    from rca.pipeline import render_case
    from rca.render.context import build_context

    loaded = with_identifiers(count, folder)
    profiles = select_profiles(["all"])
    original = guard.check_artifacts
    guard.check_artifacts = lambda *args: None  # type: ignore[assignment]
    try:
        artifacts = render_case(loaded, profiles, formats, today=TODAY)
    finally:
        guard.check_artifacts = original
    findings = analyse(loaded, today=TODAY)
    by_id = {p.id: p for p in profiles}

    def redaction() -> None:
        for profile in profiles:
            build_context(loaded, findings, profile, today=TODAY)

    def leak_guard() -> None:
        clear_result_caches()
        leaks = guard.find_leaks(loaded, by_id, artifacts)
        assert not leaks, leaks[:3]

    def same_outputs() -> None:
        clear_result_caches()
        guard.find_leaks(loaded, by_id, base if base is not None else artifacts)

    # CPU seconds of this process (redaction and the guard start no other; wall
    # time on a shared machine swells with the others' load).
    redact_s = median_time(redaction, runs, time.process_time)
    guard_s = median_time(leak_guard, runs, time.process_time)
    same_s = median_time(same_outputs, runs, time.process_time)
    return {
        "declared": len(loaded.record.identifiers),
        "artifacts": len(artifacts),
        "output_mb": round(sum(len(a.data) for a in artifacts) / 1e6, 1),
        "redaction_s": round(redact_s, 3),
        "guard_s": round(guard_s, 3),
        "total_s": round(redact_s + guard_s, 3),
        "guard_same_outputs_s": round(same_s, 3),
        "_artifacts": artifacts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="0,10,100,1000,5000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="pptx,pdf,html", help="the case's output formats")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="rca-privacy-bench-") as name:
        for size in (int(s) for s in args.sizes.split(",") if s):
            print(f"declared +{size} ...", file=sys.stderr, flush=True)
            base = rows[0]["_artifacts"] if rows else None
            formats = tuple(f for f in args.formats.split(",") if f)
            rows.append(bench_size(size, Path(name), args.runs, base, formats))
    for row in rows:
        del row["_artifacts"]
    print(
        f"{'declared':>9} {'outputs MB':>11} {'redaction s':>12} {'guard s':>9} {'total s':>9} "
        f"{'guard, same outputs s':>22}"
    )
    for row in rows:
        print(
            f"{row['declared']:>9} {row['output_mb']:>11} {row['redaction_s']:>12} "
            f"{row['guard_s']:>9} {row['total_s']:>9} {row['guard_same_outputs_s']:>22}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
