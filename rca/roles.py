"""The role vocabulary: who may act, own, sign off or decide in a record.

A record names people only by role ("LER specialist", "Legal counsel"),
never by name: names are personal data that no audience of a deck may read.
A free-text role field cannot tell a role from a name, so actors, owners,
sign-off roles, authoring teams and deciders come from a vocabulary: the
built-in roles below, extended by an organisation's project file
(`[roles] extra = [...]` in rca.toml). Matching ignores case and repeated
spaces, and a match is stored in the vocabulary's own spelling. Two roles
joined by " with " ("LER Policy with Legal counsel") name a shared owner.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

# Roles inside a typical platform's law-enforcement response organisation,
# the systems that act in its workflow, and the parties outside it.
BUILTIN_ROLES: tuple[str, ...] = (
    # law-enforcement response
    "LER specialist",
    "LER second reviewer",
    "LER shift lead",
    "LER team lead",
    "LER Quality",
    "LER Quality lead",
    "LER Operations",
    "LER Policy",
    "LER Tooling",
    "Head of LER",
    # legal, privacy, security and neighbouring teams
    "Legal counsel",
    "Legal Operations",
    "Subsidiary legal team",
    "Privacy",
    "Privacy counsel",
    "Compliance",
    "Security incident response",
    "Trust & Safety",
    "Head of Trust & Safety",
    "Trust & Safety Tooling",
    "Trust & Safety user safety team",
    "Data platform engineering",
    "IT operations",
    "IT change management",
    "Partner platforms",
    "Engineering on call",
    "Customer support",
    "Communications",
    "Translation service",
    # systems in the workflow
    "Intake automation",
    "Case management system",
    "Law enforcement portal",
    "Secure delivery portal",
    "Notice automation",
    "Preservation system",
    "Retention job",
    "QA sampling system",
    "Machine translation",
    # outside the organisation
    "Requester",
    "Requester agency",
    "Requester agency IT security",
    "Issuing court",
    "Central authority",
    "Foreign law enforcement",
    "Account holder",
    "Threat actor",
    "NCMEC",
    "Regulator",
    "Outside counsel",
)

JOINT = " with "


def _key(role: str) -> str:
    return " ".join(role.split()).casefold()


@dataclass(frozen=True)
class RoleVocabulary:
    """The roles a record may name, in the spelling they are stored in."""

    roles: tuple[str, ...] = BUILTIN_ROLES
    origin: str = "built-in"

    @cached_property
    def _by_key(self) -> dict[str, str]:
        return {_key(r): r for r in self.roles}

    def canonical(self, value: str) -> str | None:
        """The vocabulary's spelling of `value` (a role, or two joined by " with "), or None."""
        found = self._by_key.get(_key(value))
        if found is not None:
            return found
        parts = value.split(JOINT)
        if len(parts) == 2:
            first, second = (self._by_key.get(_key(p)) for p in parts)
            if first is not None and second is not None:
                return f"{first}{JOINT}{second}"
        return None

    def suggestion(self, value: str) -> str | None:
        """The closest role to a misspelt one, if any is close."""
        keys = list(self._by_key)
        close = difflib.get_close_matches(_key(value), keys, n=1, cutoff=0.75)
        return self._by_key[close[0]] if close else None

    def extended(self, extra: Iterable[str], origin: str) -> RoleVocabulary:
        """This vocabulary plus an organisation's own roles."""
        known = set(self._by_key)
        added = tuple(r for r in extra if _key(r) not in known)
        return RoleVocabulary((*self.roles, *added), origin)


BUILTIN = RoleVocabulary()
