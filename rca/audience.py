"""Audience profiles: what each audience gets, and what it may see. Adding one is adding a file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rca.errors import RcaError
from rca.model import Sensitivity
from rca.templating import builtin_template_dir

PROFILE_DIR = "audiences"


class PersonalData(StrEnum):
    """How an audience sees personal identifiers."""

    CATEGORY = "category"  # no value at all: "[account]", counts by kind
    PSEUDONYM = "pseudonym"  # consistent stand-ins: "Account A", "Officer 1"
    RAW = "raw"  # the real values; only by an explicit profile choice


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Privacy(_Spec):
    """The audience's clearance."""

    personal: PersonalData
    # Sensitivity levels beyond public the audience may read (internal text is
    # always scrubbed of identifiers first).
    allow: list[Sensitivity] = [Sensitivity.INTERNAL]


class Detail(_Spec):
    """How deep the content goes."""

    why_chain_depth: Annotated[int, Field(ge=1, le=20)] | None = None  # None: whole chains
    max_root_causes: Annotated[int, Field(ge=1, le=50)] = 10
    timeline: Literal["milestones", "deviations", "full"] = "full"
    show_evidence: bool = True


class DeckSpec(_Spec):
    """The audience's slide deck."""

    sections: list[str]
    slide_budget: Annotated[int, Field(ge=1, le=200)] = 20


class BriefSpec(_Spec):
    """The audience's brief (HTML and PDF from one template)."""

    template: str
    sections: list[str]
    max_pages: Annotated[int, Field(ge=1)] | None = None


class DecisionDefault(_Spec):
    """Who decides one kind of decision, and in how many days; unset fields fall back."""

    decider: Annotated[str, Field(min_length=2, max_length=80)] | None = None
    within_days: Annotated[int, Field(ge=0, le=366)] | None = None


class DecisionDefaults(_Spec):
    """Who decides and by when, for a decision that names neither (by kind, else overall)."""

    decider: Annotated[str, Field(min_length=2, max_length=80)] = "Head of LER"
    within_days: Annotated[int, Field(ge=0, le=366)] = 14  # counted from the analysis date
    kinds: dict[str, DecisionDefault] = {}

    def decider_for(self, kind: str) -> str:
        """The role that decides a decision of `kind`."""
        spec = self.kinds.get(kind)
        return spec.decider if spec and spec.decider else self.decider

    def due(self, kind: str, today: date) -> date:
        """The day a decision of `kind`, raised on `today`, is needed by."""
        spec = self.kinds.get(kind)
        days = spec.within_days if spec and spec.within_days is not None else self.within_days
        return today + timedelta(days=days)


class Profile(_Spec):
    """One audience."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
    title: str
    description: str
    classification: str
    privacy: Privacy
    detail: Detail = Detail()
    deck: DeckSpec
    brief: BriefSpec
    decisions: DecisionDefaults = DecisionDefaults()


def profile_dirs(user_dirs: Sequence[Path] = ()) -> list[Path]:
    """Folders searched for profiles: the user's first, then rca's own."""
    return [*(d / PROFILE_DIR for d in user_dirs), builtin_template_dir() / PROFILE_DIR]


def load_profiles(user_dirs: Sequence[Path] = ()) -> dict[str, Profile]:
    """Every audience profile by id; a user's profile replaces a built-in of the same id."""
    import yaml

    from rca.errors import InputFileError
    from rca.fs import read_capped

    profiles: dict[str, Profile] = {}
    for folder in reversed(profile_dirs(user_dirs)):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            try:
                text = read_capped(path, 1 << 20, what="an audience profile").decode("utf-8")
                profile = Profile.model_validate(yaml.safe_load(text))
            except (ValidationError, yaml.YAMLError, UnicodeDecodeError) as exc:
                raise RcaError(f"{path}: not a valid audience profile:\n{exc}") from None
            except InputFileError as exc:
                raise RcaError(str(exc)) from None
            profiles[profile.id] = profile
    return profiles


def select_profiles(names: Sequence[str], user_dirs: Sequence[Path] = ()) -> list[Profile]:
    """The profiles named (or all, for "all"), in a stable order."""
    from rca.errors import UsageError

    profiles = load_profiles(user_dirs)
    if not names or "all" in names:
        return [profiles[k] for k in sorted(profiles)]
    unknown = [n for n in names if n not in profiles]
    if unknown:
        raise UsageError(
            f"unknown audience {', '.join(unknown)}; expected one of: all, {', '.join(sorted(profiles))}"
        )
    return [profiles[n] for n in names]
