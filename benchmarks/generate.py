"""Seeded generator of realistic case records for benchmarks.

Each record starts from a bundled case (so its shape, size and prose are
realistic), gets a fresh case id, reshuffled timestamps, and optionally more
timeline events and causes, then is written as YAML and checked to validate.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from rca.load import check_record
from rca.model import CaseReview

ROOT = Path(__file__).parent.parent


def _bundled() -> list[CaseReview]:
    records = []
    for path in sorted((ROOT / "case_reviews").glob("*.yaml")):
        loaded, _ = check_record(path)
        if loaded is not None:
            records.append(loaded.record)
    return records


def _as_yaml(record: CaseReview) -> str:
    data: Any = record.model_dump(mode="json", exclude_defaults=True)
    data["schema_version"] = 2
    return yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=88)


def generate(out_dir: Path, count: int, *, seed: int = 7, extra_events: int = 0) -> list[Path]:
    """Write `count` valid case records into `out_dir`; returns their paths."""
    rng = random.Random(seed)
    bases = _bundled()
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        base = bases[i % len(bases)]
        shift = timedelta(days=rng.randint(-300, 0), minutes=rng.randint(0, 600))
        timeline = [e.model_copy(update={"at": e.at + shift}) for e in base.timeline]
        for j in range(extra_events):
            last = timeline[-2] if len(timeline) > 1 else timeline[-1]
            timeline.insert(
                len(timeline) - 1,
                last.model_copy(
                    update={"milestone": None, "id": None, "at": last.at + timedelta(seconds=j + 1)}
                ),
            )
        record = base.model_copy(update={"case_id": f"BEN-{i:05d}", "timeline": timeline})
        path = out_dir / f"BEN-{i:05d}.yaml"
        path.write_text(_as_yaml(record), encoding="utf-8")
        paths.append(path)
    loaded, problems = check_record(paths[0])
    if loaded is None:
        raise SystemExit("generated record does not validate:\n" + "\n".join(map(str, problems)))
    return paths


def chain_yaml(steps: int) -> str:
    """ESC-0142 with its causes replaced by one chain `steps` causes long, as YAML.

    Every action addresses the far end of the chain; no why-chain is declared,
    so the one chain shown is derived from the graph. A thousand hypotheses do
    not pass as an approved review (the audit-trail gate refuses them), so the
    review is in progress: it renders, marked as such.
    """
    from rca.yamlsafe import parse_yaml

    located, _ = parse_yaml((ROOT / "case_reviews" / "ESC-0142.yaml").read_bytes())
    assert located is not None
    data = located.data
    data["causes"] = [
        {
            "id": f"C{i}",
            "statement": f"Step {i} of a long chain of causes.",
            "category": "process_policy",
            "status": "hypothesis",
            "leads_to": ["problem" if i == 1 else f"C{i - 1}"],
        }
        for i in range(1, steps + 1)
    ]
    data["why_chains"] = []
    data["review"]["status"] = "in_review"
    for action in data["actions"]:
        action["addresses"] = [f"C{steps}"]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def big_graph_record(causes: int, *, seed: int = 5) -> Any:
    """A LoadedRecord whose causal graph has `causes` causes (a random layered DAG)."""
    from rca.load import LoadedRecord
    from rca.model import Action, Cause, Link, ReviewStatus
    from rca.yamlsafe import Located

    rng = random.Random(seed)
    base = _bundled()[0]
    categories = sorted({c.category for c in base.causes})
    layers = max(3, int(causes**0.5) // 4)
    items: list[Cause] = []
    for i in range(causes):
        layer = i % layers
        if layer == 0:
            targets = ["problem"]
        else:
            pool = [j for j in range(i) if j % layers == layer - 1]
            targets = [f"C{j}" for j in rng.sample(pool, k=min(len(pool), rng.randint(1, 2)))]
        items.append(
            Cause(
                id=f"C{i}",
                statement=f"Generated cause {i} in layer {layer}.",
                category=categories[i % len(categories)],
                leads_to=[Link(to=t) for t in targets],
                status="verified",
            )
        )
    actions = [
        Action(
            id=f"A{i}",
            title=f"Action {i}",
            addresses=[f"C{i}"],
            type="prevent",
            mechanisms=["automate"],
            owner="LER Operations",
        )
        for i in range(0, causes, 10)
    ]
    # Generated causes are no approved analysis: in review, so the audit-trail gate
    # (rca.audit) lets the case render and the figures measure the same work as before.
    review = base.review.model_copy(update={"status": ReviewStatus.IN_REVIEW})
    record = base.model_copy(
        update={"causes": items, "why_chains": [], "actions": actions, "review": review}
    )
    return LoadedRecord(Path("big.yaml"), record, Located(None), "0" * 64)
