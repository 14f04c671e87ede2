"""Similar past cases: what two reviews share, ranked with TF-IDF, and said in words.

A case is described by two bags: its codes (process types, cause codes, fishbone
categories) and its words (title, problem statement, escalation summary, cause
statements). Each bag is weighted with scikit-learn's TF-IDF, so a cause code
two cases share counts for more when few other cases have it, and the two
cosine similarities are blended. In the codes' bag a cause code weighs twice a
process type or a fishbone category: a shared code says the same thing failed,
a shared process type only that the same kind of request was handled (and a
library has a dozen process types, but hundreds of codes). The reasons are the shared codes and the
shared terms that weigh most in both cases.

Features are built from an audience's render context, which is already
redacted: a term a reason quotes is text that audience may read. Identifier
stand-ins ("[account]", "Account A") are dropped first; every case has them
and they say nothing about what went wrong.

scikit-learn is imported only inside `rank_all`, so `rca --help` and
`rca validate` never pay for it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rca.privacy.identifiers import PSEUDONYM

if TYPE_CHECKING:
    from rca.audience import Profile

CODE_WEIGHT = 0.55  # the blend: codes say what failed, words say how
TERM_WEIGHT = 1 - CODE_WEIGHT
MAX_TERMS = 5  # shared terms quoted per match
FEATURES_VERSION = 2  # bump when what `features` reads or `rank_all` weighs changes
# How much each kind of code weighs in the codes' bag, before the bag is normalised.
KIND_WEIGHTS = {"process": 1.0, "code": 2.0, "category": 1.0}

_STAND_IN = re.compile(
    r"\[[^\]\n]{1,40}\]|\b(?:"
    + "|".join(sorted({re.escape(noun) for noun, _ in PSEUDONYM.values()}, key=len, reverse=True))
    + r") (?:[A-Z]{1,3}|\d{1,4})\b"
)
# Words that say nothing about what went wrong, beyond scikit-learn's English list.
_MORE_STOP_WORDS = frozenset(
    [
        "does",
        "did",
        "doing",
        "came",
        "come",
        "comes",
        "got",
        "get",
        "gets",
        "went",
        "made",
        "make",
        "makes",
        "used",
        "uses",
        "using",
        "set",
        "second",
        "first",
        "case",
        "cases",
        "number",
        "numbers",
        "day",
        "days",
        "time",
        "times",
    ]
)
# Words only (no numbers, no ids): a letter first, then letters, hyphens or apostrophes.
_TOKEN = r"(?u)\b[^\W\d_]{3,}(?:-[^\W\d_]+)*\b"


@dataclass(frozen=True)
class Features:
    """What similarity reads of one case, as one audience sees it."""

    case_id: str
    title: str
    process_types: tuple[str, ...]
    codes: tuple[str, ...]  # cause codes (root causes first)
    categories: tuple[str, ...]  # fishbone categories of the root causes
    text: str
    related: tuple[str, ...] = ()  # declared related cases

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (for caches)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Features:
        """The inverse of `as_dict`."""
        return cls(
            case_id=data["case_id"],
            title=data["title"],
            process_types=tuple(data["process_types"]),
            codes=tuple(data["codes"]),
            categories=tuple(data["categories"]),
            text=data["text"],
            related=tuple(data.get("related", ())),
        )


@dataclass(frozen=True)
class Match:
    """One similar case and why."""

    case_id: str
    title: str
    score: float  # 0..1
    codes: list[str] = field(default_factory=list)  # shared cause codes
    categories: list[str] = field(default_factory=list)  # shared fishbone categories
    process_types: list[str] = field(default_factory=list)  # shared process types
    terms: list[str] = field(default_factory=list)  # shared terms, weightiest first
    declared: bool = False  # one of the two lists the other under related_cases

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def reason(self, labels: Mapping[str, str] | None = None) -> str:
        """Why the case is similar, in one sentence a person reads."""
        names = labels or {}

        def name(code: str) -> str:
            return names.get(code) or code.replace("_", " ")

        parts = []
        if self.declared:
            parts.append("declared related")
        if self.codes:
            word = "cause code" if len(self.codes) == 1 else "cause codes"
            parts.append(f"shares {word} " + ", ".join(name(c) for c in self.codes))
        if self.process_types:
            parts.append("same process type (" + ", ".join(map(name, self.process_types)) + ")")
        if self.categories:
            parts.append("root causes in " + ", ".join(name(c) for c in self.categories))
        if self.terms:
            parts.append("common terms: " + ", ".join(f"“{t}”" for t in self.terms))
        text = "; ".join(parts) or "little in common"
        return text[0].upper() + text[1:] + "."


def features(context: Mapping[str, Any]) -> Features:
    """The features of one case from an audience's render context (already redacted)."""
    case = context["case"]
    escalation = case["escalation"]
    roles = {c["id"]: c.get("role") for c in context["findings"]["causes"]}
    causes = sorted(case["causes"], key=lambda c: roles.get(c["id"]) != "root")
    codes = [c["code"] for c in causes if c.get("code")]
    texts = [
        case["title"],
        case["problem"]["statement"],
        escalation["summary"],
        *(c["statement"] for c in case["causes"]),
    ]
    return Features(
        case_id=case["case_id"],
        title=case["title"],
        process_types=tuple(  # every request's, the primary one first
            dict.fromkeys(
                t
                for r in case["requests"]
                for t in (r["process_type"], *r["additional_process_types"])
            )
        ),
        codes=tuple(dict.fromkeys(codes)),
        categories=tuple(
            dict.fromkeys(c["category"] for c in case["causes"] if roles.get(c["id"]) == "root")
        ),
        text="\n".join(t for t in texts if isinstance(t, str)),
        related=tuple(escalation.get("related_cases", ())),
    )


def corpus_digest(corpus: Sequence[Features], top: int) -> str:
    """A key for the ranking of a whole corpus (same features, same answer)."""
    payload = json.dumps([FEATURES_VERSION, top, [f.as_dict() for f in corpus]], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def rank_all(corpus: Sequence[Features], top: int = 5) -> dict[str, list[Match]]:
    """For every case, the `top` most similar other cases, best first, with their reasons."""
    if len(corpus) < 2:
        return {f.case_id: [] for f in corpus}
    import numpy as np
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
    from sklearn.preprocessing import normalize

    def bag(f: Features) -> list[str]:
        return (
            [f"process:{p}" for p in f.process_types]
            + [f"code:{c}" for c in f.codes]
            + [f"category:{c}" for c in f.categories]
        )

    # doc is a bag already; rows are normalised after the kinds are weighed
    coded = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, norm=None)
    code_matrix = coded.fit_transform([bag(f) for f in corpus])
    kinds = np.array(
        [KIND_WEIGHTS[name.split(":", 1)[0]] for name in coded.get_feature_names_out()]
    )
    code_matrix = normalize(code_matrix.multiply(kinds).tocsr())
    worded = TfidfVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | _MORE_STOP_WORDS),
        ngram_range=(1, 2),
        sublinear_tf=True,
        token_pattern=_TOKEN,
        lowercase=True,
        # A term most cases use ("request", "legal") explains nothing; with few cases
        # every term is in a large share of them, so the cut applies from 5 on.
        max_df=0.5 if len(corpus) >= 5 else 1.0,
    )
    try:
        term_matrix = worded.fit_transform([_STAND_IN.sub(" ", f.text) for f in corpus]).tocsr()
        terms = worded.get_feature_names_out()
    except ValueError:  # no words at all (every text withheld)
        term_matrix, terms = None, np.array([])
    # Rows are L2-normalised (the words by TfidfVectorizer): the dot product is the cosine.
    scores = CODE_WEIGHT * (code_matrix @ code_matrix.T).toarray()
    if term_matrix is not None:
        scores += TERM_WEIGHT * (term_matrix @ term_matrix.T).toarray()
    out: dict[str, list[Match]] = {}
    ids = [f.case_id for f in corpus]
    # A category most cases have root causes in is not a reason worth quoting.
    counts: dict[str, int] = {}
    for f in corpus:
        for c in f.categories:
            counts[c] = counts.get(c, 0) + 1
    common = {c for c, n in counts.items() if len(corpus) >= 5 and n > len(corpus) / 2}
    for i, case in enumerate(corpus):
        row = scores[i]
        candidates = np.flatnonzero(row > 0)
        candidates = candidates[candidates != i]
        if len(candidates) > top:
            # Only the cases that can be among the first `top` are sorted in Python (a
            # sort of every pair cost seconds at 1,000 cases); the margin keeps every
            # case whose score rounds (below) to the same value as the last one kept.
            last = np.partition(row[candidates], len(candidates) - top)[len(candidates) - top]
            candidates = candidates[row[candidates] >= last - 1e-8]
        order = sorted(candidates.tolist(), key=lambda j: (-round(float(row[j]), 9), ids[j]))[:top]
        out[case.case_id] = [
            _match(case, corpus[j], float(scores[i, j]), term_matrix, terms, (i, j), common)
            for j in order
        ]
    return out


def _match(
    case: Features,
    other: Features,
    score: float,
    term_matrix: Any,
    terms: Any,
    rows: tuple[int, int],
    common: set[str],
) -> Match:
    import numpy as np

    i, j = rows
    shared_terms: list[str] = []
    if term_matrix is not None:
        # The terms both rows hold, by the product of their weights: numpy intersects the
        # two CSR rows' columns (a sparse product per pair cost 0.4 ms, 2 s at 1,000 cases).
        ptr, cols, vals = term_matrix.indptr, term_matrix.indices, term_matrix.data
        a, b = slice(ptr[i], ptr[i + 1]), slice(ptr[j], ptr[j + 1])
        both, at_a, at_b = np.intersect1d(cols[a], cols[b], assume_unique=True,
                                          return_indices=True)  # fmt: skip
        weights = vals[a][at_a] * vals[b][at_b]
        shared_terms = _top_terms(both, weights, terms)
    return Match(
        case_id=other.case_id,
        title=other.title,
        score=round(min(score, 1.0), 3),
        codes=[c for c in case.codes if c in other.codes],
        categories=[c for c in case.categories if c in other.categories and c not in common],
        process_types=[p for p in case.process_types if p in other.process_types],
        terms=shared_terms,
        declared=other.case_id in case.related or case.case_id in other.related,
    )


def _top_terms(columns: Any, weights: Any, terms: Any) -> list[str]:
    """The MAX_TERMS shared terms that weigh most (ties: by the term), bigrams over their words.

    Most pairs share hundreds of terms and few are needed: the heaviest few dozen
    are sorted first, and all of them only when those do not yield enough terms.
    """
    import numpy as np

    limit = 8 * MAX_TERMS
    while True:
        if limit < len(weights):
            last = np.partition(weights, len(weights) - limit)[len(weights) - limit]
            chosen = np.flatnonzero(weights >= last - 1e-9)  # every weight tied with the last
        else:
            chosen = np.arange(len(weights))
        pairs = zip(columns[chosen].tolist(), weights[chosen].tolist(), strict=True)
        ranked = sorted(pairs, key=lambda t: (-round(t[1], 12), str(terms[t[0]])))
        shared: list[str] = []
        for col, _ in ranked:
            term = str(terms[col])
            # A bigram says more than its words: keep it, and skip words it already holds.
            if any(term in kept.split() or kept in term.split() for kept in shared):
                continue
            shared.append(term)
            if len(shared) == MAX_TERMS:
                return shared
        if len(chosen) == len(weights):
            return shared
        limit *= 4


def similar_cases(
    case: Path, library: Sequence[Path], profile: Profile, *, today: date, top: int = 5
) -> tuple[Features, list[Match], dict[str, str]]:
    """The cases under `library` most similar to the record `case`, as `profile` sees them.

    Returns the case's features, its matches and the labels to word the reasons with.
    """
    from rca.analyse import analyse
    from rca.errors import RecordError, UsageError
    from rca.load import check_record, find_record_files
    from rca.render.context import build_context

    target = case.resolve()
    paths = [target] + [p for p in find_record_files(library) if p.resolve() != target]
    corpus: list[Features] = []
    labels: dict[str, str] = {}
    problems = []
    for path in paths:
        loaded, found = check_record(path)
        if loaded is None:
            problems += found
            continue
        context = build_context(loaded, analyse(loaded, today=today), profile, today=today)
        labels.update(context["labels"])
        corpus.append(features(context))
    if problems:
        raise RecordError(problems)
    ids = [f.case_id for f in corpus]
    if ids.count(ids[0]) > 1:
        raise UsageError(f"{case}: case id {ids[0]} is also used by another record of the library")
    return corpus[0], rank_all(corpus, top)[corpus[0].case_id], labels
