"""The semantic rules catch each seeded defect in every bundled case."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from analyse_helpers import TODAY, wrap

from rca.analyse import analyse
from rca.yamlsafe import read_yaml

CASES = sorted((Path(__file__).parent.parent.parent / "case_reviews").glob("ESC-*.yaml"))
SEMANTIC = {f"RCA80{n}" for n in range(1, 8)}


def seeded(path: Path) -> dict[str, Any]:
    """A bundled case with one of each defect the semantic rules look for."""
    located, problems = read_yaml(path)
    assert located is not None and not problems
    data: dict[str, Any] = copy.deepcopy(located.data)
    causes, actions = data["causes"], data["actions"]
    first = causes[0]
    # The same cause twice, reworded a little.
    causes.append({**first, "id": "DUP", "statement": first["statement"].replace(".", ";", 1)})
    # A root cause that restates the problem.
    causes.append(
        {"id": "RST", "statement": data["problem"]["statement"], "category": first["category"],
         "leads_to": ["problem"]}
    )  # fmt: skip
    # A verified cause resting on one interview only.
    data["evidence"].append({"id": "EVI", "kind": "interview", "description": "An interview."})
    verified = next(c for c in causes if c.get("status") == "verified")
    verified["evidence"] = ["EVI"]
    # A cause marked outside control that names the organisation's own checklist.
    causes.append(
        {"id": "EXT", "statement": "Our intake checklist leaves the field optional.",
         "category": first["category"], "within_control": "false", "leads_to": ["problem"]}
    )  # fmt: skip
    # "Retrain the team" typed as a forcing function, measured among all specialists,
    # aimed at the restating root and at the external cause.
    actions.append(
        {"id": "ARX", "title": "Retrain the team", "addresses": ["RST", "EXT"],
         "type": "prevent", "mechanisms": ["forcing_function"], "owner": "LER Operations",
         "due": "2027-06-30", "success_criterion": "Retrained among all specialists."}
    )  # fmt: skip
    return data


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_each_seeded_defect_is_caught_in_every_bundled_case(path: Path) -> None:
    clean = analyse(wrap(read_yaml(path)[0].data), today=TODAY)  # type: ignore[union-attr]
    assert not SEMANTIC & {f.rule for f in clean.lint}
    findings = analyse(wrap(seeded(path)), today=TODAY)
    assert {f.rule for f in findings.lint} >= SEMANTIC
