"""The escalation record: what a quality specialist writes after a case went wrong.

Every model is frozen and rejects unknown fields. Every free-text and identifier
field carries a `Sensitive` tag in its type, which later stages read to decide
what each audience may see (and which the JSON Schema exposes as
`x-sensitivity`). Scalars arrive from `rca.yamlsafe` as text, so the small
validators below parse them with YAML 1.2 rules and reject the YAML 1.1
surprises (`NO`, `0123`, `1:20`) with a hint instead of guessing.
"""

from __future__ import annotations

import ipaddress
import re
import typing
import unicodedata
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ModelWrapValidatorHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from rca.privacy.detect import mask_value
from rca.roles import BUILTIN as BUILTIN_ROLES
from rca.roles import RoleVocabulary
from rca.taxonomy import DEFAULT_TAXONOMY, Taxonomy, builtin_taxonomies

SCHEMA_VERSION: Literal[2] = 2
MAX_REQUESTS = 50  # legal requests in one case
PROBLEM_ID = "problem"
# Caps on the graph's size: far above any real case (a rich one has ~15 causes),
# low enough that layout and rendering stay bounded; each refusal names the list.
MAX_ITEMS = 5000

# The taxonomy of the record being validated (see CaseReview._with_taxonomy).
_TAXONOMY: ContextVar[Taxonomy | None] = ContextVar("rca_taxonomy", default=None)
# The record's reference zone, to place a day written without a time (see _day_or_time).
_ZONE: ContextVar[str | None] = ContextVar("rca_zone", default=None)
# The role vocabulary of the record being validated (None: the built-in one).
_ROLES: ContextVar[RoleVocabulary | None] = ContextVar("rca_roles", default=None)


# --------------------------------------------------------------------------- sensitivity


class Sensitivity(StrEnum):
    """How sensitive a field's content is; audience profiles allow levels explicitly."""

    PUBLIC = "public"  # codes, enums, counts, ids of causes: safe for every audience
    INTERNAL = "internal"  # reviewer-written text; may quote identifiers, so it is scrubbed
    PERSONAL = "personal"  # personal data: account ids, emails, officer names, agency names
    RESTRICTED = "restricted"  # evidence sources and quoted outside text: need-to-know only


@dataclass(frozen=True)
class Sensitive:
    """Type metadata naming a field's sensitivity; shows in the JSON Schema."""

    level: Sensitivity

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        js = handler(schema)
        js["x-sensitivity"] = self.level.value
        return js


@cache  # a model's fields do not change; the redactor asks once a field of each object
def sensitivity_of(model: type[BaseModel], field: str) -> Sensitivity:
    """The sensitivity tag of a model field (PUBLIC when untagged: enums, numbers, refs)."""
    info = model.model_fields[field]
    found = _find_tag(info.metadata) or _find_tag_in(info.annotation)
    return found or Sensitivity.PUBLIC


def _find_tag(metadata: Any) -> Sensitivity | None:
    return next((m.level for m in metadata if isinstance(m, Sensitive)), None)


def _find_tag_in(annotation: Any) -> Sensitivity | None:
    # Looks inside Optional[...] and list[...] for an Annotated[..., Sensitive(...)].
    if typing.get_origin(annotation) is Annotated:
        return _find_tag(typing.get_args(annotation)[1:])
    for arg in typing.get_args(annotation):
        found = _find_tag_in(arg)
        if found is not None:
            return found
    return None


# --------------------------------------------------------------------------- scalars

# C0/C1 controls except tab and newline, unpaired surrogates, non-characters,
# and the bidi embedding/override/isolate controls that can reorder what a
# reader sees ("trojan source"); right-to-left text itself is kept.
_UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]"
)


def clean_text(value: Any) -> Any:
    """Normalise text at the schema boundary: NFC, no control characters, trimmed."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return _UNSAFE_CHARS.sub("", value).strip()


def describe_value(value: Any) -> str:
    """A short, quoted rendering of an input value for error messages."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    # A message must not print an identifier (terminals and CI logs keep it): masked.
    masked = mask_value(text)
    if masked is not None:
        return masked
    return repr(text if len(text) <= 40 else text[:37] + "...")


_BOOL_TRUE = {"true", "True", "TRUE"}
_BOOL_FALSE = {"false", "False", "FALSE"}
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}


def _yaml_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in _BOOL_TRUE:
            return True
        if value in _BOOL_FALSE:
            return False
        if value.lower() in _YAML11_BOOLS:
            raise PydanticCustomError(
                "yaml_bool",
                "expected true or false; '{value}' is not a boolean in YAML 1.2, "
                "write true or false",
                {"value": value},
            )
    raise PydanticCustomError(
        "yaml_bool", "expected true or false; got {got}", {"got": describe_value(value)}
    )


_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")


def _yaml_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if _INT.fullmatch(value):
            return int(value)
        if re.fullmatch(r"[-+]?0[0-9]+", value):
            raise PydanticCustomError(
                "yaml_int",
                "expected a whole number; '{value}' has a leading zero (octal in YAML 1.1), "
                "write it without the zero, or quote it if it is a code",
                {"value": value},
            )
    raise PydanticCustomError(
        "yaml_int", "expected a whole number; got {got}", {"got": describe_value(value)}
    )


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.fullmatch(value):
        return value
    raise PydanticCustomError("iso_date", "expected a date as YYYY-MM-DD, e.g. 2026-03-04")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if (isinstance(value, str) and _DATE.fullmatch(value)) or isinstance(value, date):
        raise PydanticCustomError(
            "day_needs_zone",
            "'{value}' is a day without a time; a day alone needs the record's time_zone "
            "(e.g. time_zone: America/New_York) to know when that day starts",
            {"value": str(value)},
        )
    if isinstance(value, str) and _DATETIME.fullmatch(value):
        if not re.search(r"(Z|[+-]\d{2}:?\d{2})$", value):
            raise PydanticCustomError(
                "timestamp_tz",
                "timestamp '{value}' has no time zone; add one, e.g. "
                "2026-03-04T09:15:00-05:00 or 2026-03-04T14:15:00Z",
                {"value": value},
            )
        return value
    raise PydanticCustomError(
        "timestamp",
        "expected a timestamp with a time zone, e.g. 2026-03-04T09:15:00-05:00",
    )


_DURATION_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_SHORT_DURATION = re.compile(r"(\d+)\s*(m|min|h|d|w)")
_ISO_DURATION = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?")


def parse_duration(value: Any) -> timedelta:
    """`30m`, `4h`, `5d`, `2w` or an ISO 8601 duration (`PT4H`); ValueError otherwise."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        short = _SHORT_DURATION.fullmatch(value)
        if short:
            return timedelta(seconds=int(short[1]) * _DURATION_UNITS[short[2]])
        iso = _ISO_DURATION.fullmatch(value)
        if iso and value not in ("P", "PT") and not value.endswith("T"):
            weeks, days, hours, minutes = (int(g or 0) for g in iso.groups())
            return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    raise ValueError(f"not a duration: {value!r}")


def _duration(value: Any) -> Any:
    try:
        return parse_duration(value)
    except ValueError:
        pass
    hint = " (YAML 1.1 would read it as a base-60 number)" if ":" in str(value) else ""
    raise PydanticCustomError(
        "duration",
        "expected a duration such as 30m, 4h, 5d, 2w or PT4H{hint}",
        {"hint": hint},
    )


_PLACEHOLDER = re.compile(r"<[^<>\n]*>")


def _not_placeholder(value: str) -> str:
    # `rca new` writes "<...>" where the author has text to write; an untouched
    # scaffold must not validate as a finished record.
    if _PLACEHOLDER.fullmatch(value):
        raise PydanticCustomError(
            "placeholder",
            "still the placeholder {value} from rca new; write the real text",
            {"value": describe_value(value)},
        )
    return value


# Free text written by the reviewer: scrubbed of identifiers before any audience sees it.
Text = Annotated[
    str,
    BeforeValidator(clean_text),
    Field(min_length=1, max_length=10_000),
    AfterValidator(_not_placeholder),
    Sensitive(Sensitivity.INTERNAL),
]
# A short line (titles, labels, roles).
Line = Annotated[
    str,
    BeforeValidator(clean_text),
    Field(min_length=1, max_length=200, pattern=r"^[^\n]*$"),
    AfterValidator(_not_placeholder),
    Sensitive(Sensitivity.INTERNAL),
]
# Text copied from outside the organisation or pointing into internal systems.
Restricted = Annotated[
    str,
    BeforeValidator(clean_text),
    Field(min_length=1, max_length=10_000),
    AfterValidator(_not_placeholder),
    Sensitive(Sensitivity.RESTRICTED),
]
# A personal identifier's value.
PersonalValue = Annotated[
    str,
    BeforeValidator(clean_text),
    Field(min_length=1, max_length=320),
    Sensitive(Sensitivity.PERSONAL),
]
ROLE_PATTERN = r"^[A-Za-z][A-Za-z0-9 &/()._,'-]*$"


def _in_vocabulary(value: str) -> str:
    # People are roles: a name in a role field would reach every audience.
    vocabulary = _ROLES.get() or BUILTIN_ROLES
    canonical = vocabulary.canonical(value)
    if canonical is not None:
        return canonical
    close = vocabulary.suggestion(value)
    hint = f"; did you mean '{close}'?" if close else ""
    raise PydanticCustomError(
        "role",
        "expected a role of the vocabulary, never a person's name, e.g. 'LER specialist', "
        "'Legal counsel' (add your own under [roles] extra in rca.toml); got {got}{hint}",
        {"got": describe_value(value), "hint": hint},
    )


# A team or role from the role vocabulary (rca.roles), never a person's name.
Role = Annotated[
    str,
    BeforeValidator(clean_text),
    Field(min_length=2, max_length=80, pattern=ROLE_PATTERN),
    AfterValidator(_in_vocabulary),
    Sensitive(Sensitivity.INTERNAL),
]
# An id inside the record (cause, action, evidence, policy, chain).
Ref = Annotated[
    str,
    Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$", max_length=40),
    Sensitive(Sensitivity.PUBLIC),
]
CASE_ID_PATTERN = r"^[A-Z][A-Z0-9]{1,9}-[0-9A-Z][0-9A-Z-]{0,19}$"
CaseId = Annotated[
    str,
    Field(pattern=CASE_ID_PATTERN),
    Sensitive(Sensitivity.PUBLIC),
]
Version = Annotated[
    str,
    Field(pattern=r"^[0-9]+(\.[0-9]+){0,3}$"),
    Sensitive(Sensitivity.PUBLIC),
]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$"), Sensitive(Sensitivity.PUBLIC)]
# A taxonomy's id: the built-ins include 6m and 4p.
TaxonomyId = Annotated[
    str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$"), Sensitive(Sensitivity.PUBLIC)
]
Count = Annotated[int, BeforeValidator(_yaml_int), Field(ge=0, le=1_000_000_000)]
Flag = Annotated[bool, BeforeValidator(_yaml_bool)]
Day = Annotated[date, BeforeValidator(_iso_date)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
Duration = Annotated[timedelta, BeforeValidator(_duration)]


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _time_zone(value: Any) -> Any:
    if isinstance(value, str) and (value in _zone_names() or value == "UTC"):
        return value
    raise PydanticCustomError(
        "time_zone",
        "expected an IANA time zone name such as America/New_York, Europe/Berlin or UTC; got {got}",
        {"got": describe_value(value)},
    )


# An IANA time zone name: the reference clock every time of a case is shown in.
TimeZone = Annotated[str, BeforeValidator(_time_zone), Sensitive(Sensitivity.PUBLIC)]


class Unknowable(StrEnum):
    """An explicit answer where a fact cannot be given: better than a guess or a blank."""

    UNKNOWN = "unknown"  # the fact exists but could not be established
    NOT_APPLICABLE = "not_applicable"  # the question does not apply to this case


_NOT_APPLICABLE_SPELLINGS = {"n/a", "na", "n.a.", "none applicable"}


@dataclass(frozen=True)
class OrUnknown:
    """Type metadata: the field takes its own type, or `unknown` / `not_applicable`.

    Wraps the inner type's validation instead of a union, so a wrong value gets
    the inner type's own message, not one message per union member.
    """

    inner: Any

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        inner = handler.generate_schema(self.inner)

        def validate(value: Any, next_: core_schema.ValidatorFunctionWrapHandler) -> Any:
            if isinstance(value, Unknowable):
                return value
            if isinstance(value, str):
                if value in Unknowable._value2member_map_:
                    return Unknowable(value)
                if value.strip().lower() in _NOT_APPLICABLE_SPELLINGS:
                    raise PydanticCustomError(
                        "not_applicable",
                        "write not_applicable (or unknown) for a fact that does not apply; "
                        "got {got}",
                        {"got": describe_value(value)},
                    )
            return next_(value)

        return core_schema.no_info_wrap_validator_function(validate, inner)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [handler(schema), {"enum": [u.value for u in Unknowable]}]}


def known(value: Any) -> bool:
    """Whether a field that may be `unknown` / `not_applicable` holds a real value."""
    return value is not None and not isinstance(value, Unknowable)


def _day_or_time(data: Any, key: str) -> Any:
    """A day written without a time becomes the start of that day in the record's zone.

    Sets `precision: day`, so clocks and displays know the time is not known.
    """
    if not isinstance(data, dict):
        return data
    value = data.get(key)
    if not (isinstance(value, str) and _DATE.fullmatch(value)) and not (
        isinstance(value, date) and not isinstance(value, datetime)
    ):
        return data
    if data.get("precision", "day") != "day":
        raise PydanticCustomError(
            "precision", "'{value}' is a day without a time; its precision is day", {"value": value}
        )
    zone = _ZONE.get()
    if zone is None:
        return data  # the timestamp's own check says what is missing, at the field
    from zoneinfo import ZoneInfo

    day = value if isinstance(value, date) else date.fromisoformat(value)
    start = datetime.combine(day, datetime.min.time(), ZoneInfo(zone))
    return {**data, key: start.isoformat(), "precision": "day"}


Precision = Literal["minute", "day"]


# --------------------------------------------------------------------------- vocabularies


class ProcessType(StrEnum):
    """Legal process types (DOMAIN.md section 1)."""

    SUBPOENA = "subpoena"
    COURT_ORDER_2703D = "court_order_2703d"
    SEARCH_WARRANT = "search_warrant"
    EMERGENCY_DISCLOSURE = "emergency_disclosure"
    PRESERVATION = "preservation"
    NONDISCLOSURE_ORDER = "nondisclosure_order"
    PEN_REGISTER = "pen_register"
    WIRETAP = "wiretap"
    NCMEC_REPORT = "ncmec_report"
    MLAT_CLOUD_ACT = "mlat_cloud_act"
    FOREIGN_LEGAL_PROCESS = "foreign_legal_process"  # a foreign authority's process served directly
    OTHER = "other"


class TriageClass(StrEnum):
    """How intake triaged the request (DOMAIN.md section 2, step 3)."""

    EMERGENCY = "emergency"
    CHILD_SAFETY = "child_safety"
    PRESERVATION = "preservation"
    ROUTINE = "routine"


class Severity(StrEnum):
    """Severity of the escalation, from near miss to serious (DOMAIN.md section 4)."""

    NEAR_MISS = "near_miss"
    RECORDABLE = "recordable"
    REPORTABLE = "reportable"
    SERIOUS = "serious"


class DetectionSource(StrEnum):
    """Who noticed that something went wrong."""

    SELF_IDENTIFIED = "self_identified"
    REQUESTER = "requester"
    EXTERNAL = "external"
    AUDIT = "audit"


class ErrorType(StrEnum):
    """The oversight error taxonomy (DOMAIN.md section 4), for trends across cases."""

    OVER_DISCLOSURE = "over_disclosure"  # false positive: more than the process allowed
    UNDER_PRODUCTION = "under_production"  # false negative: less than owed, or data lost
    WRONG_SELECTION = "wrong_selection"  # wrong account, or wrong process category
    NO_AUTHORITY = "no_authority"  # disclosed without valid authority (e.g. forged request)
    NOTICE_ERROR = "notice_error"  # user notified against an order, or not notified when owed
    TIMELINESS = "timeliness"  # right answer, too late
    TECHNICAL_ERROR = "technical_error"


class ResponsibleParty(StrEnum):
    """Where the error originated."""

    REQUESTER = "requester"
    INTERMEDIARY = "intermediary"
    PROVIDER = "provider"


class AgencyType(StrEnum):
    """Kind of requester."""

    FEDERAL_LAW_ENFORCEMENT = "federal_law_enforcement"
    STATE_LAW_ENFORCEMENT = "state_law_enforcement"
    LOCAL_LAW_ENFORCEMENT = "local_law_enforcement"
    PROSECUTOR = "prosecutor"
    COURT = "court"
    FOREIGN_LAW_ENFORCEMENT = "foreign_law_enforcement"
    CHILD_SAFETY_CLEARINGHOUSE = "child_safety_clearinghouse"
    OTHER = "other"


class DataCategory(StrEnum):
    """Categories of user data a request can reach."""

    BASIC_SUBSCRIBER_INFO = "basic_subscriber_info"
    SESSION_IP_LOGS = "session_ip_logs"
    NON_CONTENT_RECORDS = "non_content_records"
    CONTACTS = "contacts"
    STORED_CONTENT = "stored_content"
    LOCATION_DATA = "location_data"
    PAYMENT_INFO = "payment_info"
    DEVICE_IDENTIFIERS = "device_identifiers"
    REAL_TIME_CONTENT = "real_time_content"
    ROUTING_DATA = "routing_data"


class WorkflowStep(StrEnum):
    """The request workflow (DOMAIN.md section 2); each step is a control point."""

    INTAKE = "intake"
    REQUESTER_VERIFICATION = "requester_verification"
    TRIAGE = "triage"
    LEGAL_REVIEW = "legal_review"
    ACCOUNT_IDENTIFICATION = "account_identification"
    PRESERVE_COLLECT = "preserve_collect"
    SECOND_REVIEW = "second_review"
    PRODUCTION = "production"
    USER_NOTICE = "user_notice"
    CLOSURE = "closure"
    POST_INCIDENT = "post_incident"  # detection, containment and remediation after the fact


class Milestone(StrEnum):
    """Timeline events that anchor the case's clocks (each used at most once)."""

    REQUEST_RECEIVED = "request_received"
    ERROR_OCCURRED = "error_occurred"
    DETECTED = "detected"
    ESCALATED = "escalated"
    RESPONDED = "responded"
    CONTAINED = "contained"
    RESOLVED = "resolved"


class SlaMetric(StrEnum):
    """Clocks a service level can be set on."""

    DETECT = "detect"  # error_occurred -> detected
    ESCALATE = "escalate"  # detected -> escalated
    RESPOND = "respond"  # request_received -> responded
    RESOLVE = "resolve"  # detected -> resolved


class LegalBasis(StrEnum):
    """What a request rests on in law (DOMAIN.md sections 1 and 3)."""

    DOMESTIC_PROCESS = (
        "domestic_process"  # compulsory process under the law binding the entity served
    )
    EMERGENCY_EXCEPTION = (
        "emergency_exception"  # voluntary emergency disclosure, 2702(b)(8) / (c)(4)
    )
    MLAT = "mlat"  # mutual legal assistance treaty, through the central authorities
    CLOUD_ACT_AGREEMENT = "cloud_act_agreement"  # an executive agreement under the CLOUD Act
    LETTERS_ROGATORY = "letters_rogatory"
    FOREIGN_ORDER = "foreign_order"  # a foreign authority's order served directly, no treaty route
    STATUTORY_DUTY = "statutory_duty"  # a duty to report, e.g. 18 U.S.C. 2258A
    CONSENT = "consent"
    OTHER = "other"


class Channel(StrEnum):
    """How a request reached the organisation."""

    PORTAL = "portal"  # the law-enforcement portal
    GOVERNMENT_EMAIL = "government_email"  # email from a government domain
    OTHER_EMAIL = "other_email"  # email from any other address, or to an unmonitored one
    TREATY_CHANNEL = "treaty_channel"  # through a central authority (MLAT)
    FAX = "fax"
    POST = "post"
    PHONE = "phone"
    IN_PERSON = "in_person"
    OTHER = "other"


class Translation(StrEnum):
    """How a request in another language was read."""

    NOT_NEEDED = "not_needed"
    MACHINE = "machine"
    PROFESSIONAL = "professional"
    BILINGUAL_STAFF = "bilingual_staff"
    REQUESTER_PROVIDED = "requester_provided"


class AuthorityKind(StrEnum):
    """Who issued a legal process, when not the requester itself."""

    COURT = "court"
    PROSECUTOR = "prosecutor"
    LAW_ENFORCEMENT = "law_enforcement"
    CENTRAL_AUTHORITY = "central_authority"
    OTHER = "other"


class DeadlineKind(StrEnum):
    """Legal and agreed deadlines a request carries."""

    RESPONSE_DUE = "response_due"  # the answer is owed by then
    HOLD_EXPIRY = "hold_expiry"  # a preservation hold lapses unless renewed
    ORDER_END = "order_end"  # a prospective order (pen register, wiretap) ends
    NONDISCLOSURE_EXPIRY = "nondisclosure_expiry"  # a nondisclosure order ends: notice may follow
    OTHER = "other"


class ReviewStatus(StrEnum):
    """Lifecycle of the review itself: draft -> in_review -> approved -> published."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"


class CauseStatus(StrEnum):
    """How well a cause or a causal link is established."""

    VERIFIED = "verified"
    HYPOTHESIS = "hypothesis"
    UNKNOWN = "unknown"


class CauseKind(StrEnum):
    """A cause acts; a condition is a standing state that let the causes act."""

    CAUSE = "cause"
    CONDITION = "condition"


class ActionType(StrEnum):
    """What a corrective action does about its causes."""

    PREVENT = "prevent"
    DETECT = "detect"
    MITIGATE = "mitigate"
    PROCESS = "process"


class ActionMechanism(StrEnum):
    """How strong a control is, strongest first (hierarchy of controls)."""

    ELIMINATE = "eliminate"
    FORCING_FUNCTION = "forcing_function"
    AUTOMATE = "automate"
    STANDARDISE = "standardise"
    CHECKLIST = "checklist"
    ALERT = "alert"
    AUDIT = "audit"
    POLICY = "policy"
    TRAINING = "training"


class ActionStatus(StrEnum):
    """Progress of a corrective action; verified means its effect was checked."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    CANCELLED = "cancelled"


OPEN_ACTION_STATUSES: frozenset[ActionStatus] = frozenset(
    {ActionStatus.PLANNED, ActionStatus.IN_PROGRESS}
)
"""An action in one of these is still to be done: it needs an owner and a due date, and can be overdue."""


class EvidenceKind(StrEnum):
    """What an evidence item is."""

    CASE_RECORD = "case_record"
    REQUEST_DOCUMENT = "request_document"
    CORRESPONDENCE = "correspondence"
    SYSTEM_LOG = "system_log"
    AUDIT_LOG = "audit_log"
    INTERVIEW = "interview"
    SCREENSHOT = "screenshot"
    POLICY = "policy"
    CONFIGURATION = "configuration"
    OTHER = "other"


class IdentifierKind(StrEnum):
    """Types of personal or identifying data a case can involve."""

    ACCOUNT_ID = "account_id"
    USERNAME = "username"
    EMAIL = "email"
    PHONE = "phone"
    IP_ADDRESS = "ip_address"
    DEVICE_ID = "device_id"
    PERSON_NAME = "person_name"
    OFFICER_NAME = "officer_name"
    AGENCY_NAME = "agency_name"
    AGENCY_CASE_NUMBER = "agency_case_number"
    OTHER = "other"


class LifeSafety(StrEnum):
    """Whether anyone's life or safety was, or could have been, affected."""

    NONE = "none"
    POTENTIAL = "potential"
    ACTUAL = "actual"


class SignOffDecision(StrEnum):
    """A reviewer's decision on the case review."""

    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


# --------------------------------------------------------------------------- records


class Model(BaseModel):
    """Base: frozen, no unknown fields; `null` for an optional field means "not given"."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=False)

    @model_validator(mode="before")
    @classmethod
    def _null_is_not_given(cls, data: Any) -> Any:
        if isinstance(data, dict) and any(v is None for v in data.values()):
            fields = cls.model_fields
            return {
                k: v
                for k, v in data.items()
                if not (v is None and k in fields and not fields[k].is_required())
            }
        return data


def open_change_requests(sign_offs: Sequence[tuple[str, str, str]]) -> list[int]:
    """Which `changes_requested` sign-offs are still open, by index, from (role, ISO day, decision).

    A request for changes is closed only by a later `approved` sign-off of the
    same role (role names compared without case): a later day, or the same day
    listed after it. An approval by another role, or a revision, does not close
    it; a new request after an approval is open again.
    """
    out = []
    for i, (role, on, decision) in enumerate(sign_offs):
        if decision != SignOffDecision.CHANGES_REQUESTED.value:
            continue
        closed = any(
            r.casefold() == role.casefold()
            and d == SignOffDecision.APPROVED.value
            and (o > on or (o == on and j > i))
            for j, (r, o, d) in enumerate(sign_offs)
        )
        if not closed:
            out.append(i)
    return out


class SignOff(Model):
    """A sign-off on the review, by role (never by name)."""

    role: Role
    on: Day
    decision: SignOffDecision = SignOffDecision.APPROVED
    note: Text | None = None


class Revision(Model):
    """A change to the review after it was first written (e.g. action results added)."""

    version: Version
    on: Day
    note: Text


class Review(Model):
    """The review's own lifecycle."""

    status: ReviewStatus
    authoring_team: Role
    opened: Day | None = None
    sign_offs: list[SignOff] = []
    revisions: list[Revision] = []

    @property
    def open_change_requests(self) -> list[int]:
        """Indices of `changes_requested` sign-offs no later approval by the same role closes."""
        return open_change_requests(
            [(s.role, s.on.isoformat(), s.decision.value) for s in self.sign_offs]
        )

    @model_validator(mode="after")
    def _approved_needs_sign_off(self) -> Review:
        if self.status in (ReviewStatus.APPROVED, ReviewStatus.PUBLISHED) and not any(
            s.decision is SignOffDecision.APPROVED for s in self.sign_offs
        ):
            raise PydanticCustomError(
                "sign_off",
                "status '{status}' needs at least one sign_off with decision approved",
                {"status": self.status.value},
            )
        return self


class Requester(Model):
    """Who sent the legal process."""

    agency_type: AgencyType
    jurisdiction: Annotated[
        str | Unknowable,
        OrUnknown(
            Annotated[
                str, Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"), Sensitive(Sensitivity.PUBLIC)
            ]
        ),
        Sensitive(Sensitivity.PUBLIC),
    ]
    agency: PersonalValue | None = None


class IssuingAuthority(Model):
    """Who issued the process, when not the requester (a court, a prosecutor)."""

    kind: AuthorityKind
    name: PersonalValue | None = None  # declared like an agency name, so outputs redact it
    jurisdiction: Annotated[
        str | Unknowable,
        OrUnknown(
            Annotated[
                str, Field(pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"), Sensitive(Sensitivity.PUBLIC)
            ]
        ),
        Sensitive(Sensitivity.PUBLIC),
    ]


class DataScope(Model):
    """Data categories asked for, allowed, produced, lost, and put at risk."""

    requested: list[DataCategory] = []
    authorised: list[DataCategory] = []
    produced: list[DataCategory] = []
    lost: list[DataCategory] = []  # no longer available to produce (deleted, expired, purged)
    at_risk: list[DataCategory] = []


def _day_or_time_at(data: Any) -> Any:
    return _day_or_time(data, "at")


def _day_or_time_due(data: Any) -> Any:
    return _day_or_time(data, "due")


class Deadline(Model):
    """A legal or agreed deadline of one request."""

    kind: DeadlineKind
    due: Timestamp  # a day alone (YYYY-MM-DD) means that whole day, in the record's time zone
    precision: Precision = "minute"
    note: Text | None = None
    policy: Ref | None = None

    _day = model_validator(mode="before")(_day_or_time_due)


class RequestServiceLevel(Model):
    """A target for one of this request's clocks (beside the record's per-process targets)."""

    metric: SlaMetric
    target: Duration
    policy: Ref | None = None


class Request(Model):
    """One legal request of the case: its process, requester, scope, clocks and deadlines."""

    id: Ref = "R1"
    title: Line | None = None  # a short name for displays, e.g. "Emergency email"
    process_type: ProcessType
    additional_process_types: list[ProcessType] = []
    triage_class: TriageClass
    legal_basis: Annotated[LegalBasis | Unknowable, OrUnknown(LegalBasis)] | None = None
    basis_required: LegalBasis | None = None  # when the data asked for needed another basis
    requester: Requester
    issued_by: IssuingAuthority | None = None
    addressed_to: Line  # the legal entity served
    correct_entity: Annotated[bool | Unknowable, OrUnknown(Flag)] = True
    data_held_by: (
        Annotated[str | Unknowable, OrUnknown(Line), Sensitive(Sensitivity.INTERNAL)] | None
    ) = None
    channel: Annotated[Channel | Unknowable, OrUnknown(Channel)] | None = None
    via_designated_channel: Annotated[bool | Unknowable, OrUnknown(Flag)] | None = None
    language: (
        Annotated[
            str | Unknowable,
            OrUnknown(
                Annotated[
                    str, Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$"), Sensitive(Sensitivity.PUBLIC)
                ]
            ),
            Sensitive(Sensitivity.PUBLIC),
        ]
        | None
    ) = None
    translation: Annotated[Translation | Unknowable, OrUnknown(Translation)] | None = None
    error_type: Annotated[ErrorType | Unknowable, OrUnknown(ErrorType)] | None = None
    data: DataScope = DataScope()
    deadlines: list[Deadline] = []
    service_levels: list[RequestServiceLevel] = []
    summary: Text | None = None


class Escalation(Model):
    """How bad the case was and how the error came to light (the requests are beside it)."""

    severity: Severity
    detected_by: DetectionSource
    error_type: Annotated[ErrorType | Unknowable, OrUnknown(ErrorType)] | None = None
    responsible_party: (
        Annotated[ResponsibleParty | Unknowable, OrUnknown(ResponsibleParty)] | None
    ) = None
    summary: Text
    related_cases: list[CaseId] = []  # earlier cases or near misses with the same pattern


def _one_or_many(value: Any) -> Any:
    # `request: R2` is shorthand for `request: [R2]`.
    return [value] if isinstance(value, str) else value


class Event(Model):
    """One step of the case timeline, as it happened."""

    id: Ref | None = None
    at: Timestamp  # a day alone (YYYY-MM-DD) when only the day is known: precision day
    precision: Precision = "minute"
    request: Annotated[list[Ref], BeforeValidator(_one_or_many)] = []  # which request(s)
    actor: Role
    step: WorkflowStep
    what: Text
    expected: Text | None = None
    deviation: Flag = False
    milestone: Milestone | None = None
    evidence: list[Ref] = []

    _day = model_validator(mode="before")(_day_or_time_at)

    @model_validator(mode="after")
    def _deviation_says_what_was_expected(self) -> Event:
        if self.deviation and self.expected is None:
            raise PydanticCustomError(
                "deviation_expected",
                "a deviation needs 'expected': what should have happened at this step",
            )
        return self


class ServiceLevel(Model):
    """A target for one of the case's clocks, for one process type."""

    process_type: ProcessType
    metric: SlaMetric
    target: Duration
    policy: Ref | None = None


class Problem(Model):
    """The problem statement: the effect the causal analysis explains."""

    statement: Text


class Impact(Model):
    """What the error cost: people, data, legal standing, safety, the requester."""

    accounts_affected: Annotated[int | Unknowable, OrUnknown(Count)]
    data_exposure: Text
    categories_exposed: list[DataCategory] = []
    legal_exposure: Text
    regulatory_reportable: Flag | None = None
    life_safety: LifeSafety
    life_safety_note: Text | None = None
    requester_impact: Text | None = None


class Link(Model):
    """An edge from a cause to its effect; `together_with` makes it an AND-group."""

    to: Ref
    together_with: list[Ref] = []
    status: CauseStatus | None = None  # None: as established as the cause itself


def _link_shorthand(value: Any) -> Any:
    # `leads_to: [C2]` is shorthand for `leads_to: [{to: C2}]`: keeps simple
    # cases terse without making the type a union (whose errors are noisy).
    if isinstance(value, list):
        return [{"to": v} if isinstance(v, str) else v for v in value]
    return value


class Cause(Model):
    """A cause or condition in the causal graph."""

    id: Ref
    statement: Text
    title: Line | None = None  # a few words naming the cause on slides and diagrams
    category: Slug
    kind: CauseKind = CauseKind.CAUSE
    leads_to: Annotated[list[Link], BeforeValidator(_link_shorthand)] = []
    status: CauseStatus = CauseStatus.HYPOTHESIS
    within_control: Flag = True
    evidence: list[Ref] = []
    code: Slug | None = None  # a cross-case cause code for trends, e.g. "tz_conversion"

    @field_validator("category")
    @classmethod
    def _category_in_taxonomy(cls, value: str) -> str:
        taxonomy = _TAXONOMY.get()
        if taxonomy is not None and taxonomy.get(value) is None:
            raise PydanticCustomError(
                "category",
                "'{value}' is not a category of taxonomy '{tax}'; expected one of: {ids}",
                {"value": value, "tax": taxonomy.id, "ids": ", ".join(taxonomy.ids)},
            )
        return value


class WhyChain(Model):
    """A 5-whys ladder: each step answers "why?" of the one before; compiles into edges."""

    id: Ref
    question: Line | None = None
    starts_at: Ref = PROBLEM_ID
    whys: Annotated[list[Ref], Field(min_length=1)]


class Evidence(Model):
    """A piece of evidence the analysis rests on."""

    id: Ref
    kind: EvidenceKind
    description: Text
    source: Restricted | None = None
    sensitivity: Sensitivity = Sensitivity.INTERNAL


class Action(Model):
    """A corrective action, aimed at causes, with an owner and a way to verify it worked."""

    id: Ref
    title: Line
    addresses: Annotated[list[Ref], Field(min_length=1)]
    type: ActionType
    mechanisms: Annotated[
        list[ActionMechanism], BeforeValidator(_one_or_many), Field(min_length=1)
    ]  # every control the action puts in place
    evidence: list[Ref] = []  # what shows it was done, or worked
    owner: Role | None = None
    due: Day | None = None
    status: ActionStatus = ActionStatus.PLANNED
    completed_on: Day | None = None
    success_criterion: Text | None = None
    verify_by: Day | None = None
    verification_result: Text | None = None

    @property
    def mechanism(self) -> ActionMechanism:
        """The strongest of the action's mechanisms (hierarchy of controls)."""
        order = list(ActionMechanism)
        return min(self.mechanisms, key=order.index)

    @model_validator(mode="after")
    def _completed_on_matches_status(self) -> Action:
        if self.completed_on is not None and self.status not in (
            ActionStatus.DONE,
            ActionStatus.VERIFIED,
        ):
            raise PydanticCustomError(
                "completed_on",
                "completed_on is set but status is '{status}'; use done or verified",
                {"status": self.status.value},
            )
        return self


class DecisionAsk(Model):
    """A decision the review asks of leadership in so many words, listed before derived asks."""

    ask: Line
    detail: Text | None = None
    decider: Role | None = None  # who decides, by role
    by: Day | None = None  # when the decision is needed


class TrainingPoint(Model):
    """A point of the correct procedure, tied to a policy."""

    point: Text
    policy: Ref | None = None
    step: WorkflowStep | None = None


class Question(Model):
    """A knowledge-check question with its answer."""

    question: Text
    options: list[Line] = []
    answer: Text
    explanation: Text | None = None


class PolicyRef(Model):
    """A policy or procedure the case refers to."""

    id: Ref
    title: Line
    section: Line | None = None
    summary: Text | None = None


class Training(Model):
    """What specialists should learn from the case."""

    red_flags: list[Text] = []
    points: list[TrainingPoint] = []
    knowledge_check: list[Question] = []


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Identifier(Model):
    """A declared piece of personal data, so every output can redact it."""

    id: Ref | None = None
    kind: IdentifierKind
    value: PersonalValue
    label: Line | None = None  # the identifier's role in the case, e.g. "subject account"

    @model_validator(mode="after")
    def _value_fits_kind(self) -> Identifier:
        if self.kind is IdentifierKind.EMAIL and not _EMAIL.fullmatch(self.value):
            raise PydanticCustomError("identifier", "kind email needs an address like a@b.c")
        if self.kind is IdentifierKind.IP_ADDRESS:
            try:
                ipaddress.ip_address(self.value)
            except ValueError:
                raise PydanticCustomError(
                    "identifier", "kind ip_address needs an IPv4 or IPv6 address"
                ) from None
        if self.kind is IdentifierKind.PHONE and len(re.sub(r"\D", "", self.value)) < 7:
            raise PydanticCustomError("identifier", "kind phone needs at least 7 digits")
        return self


class AcceptedLint(Model):
    """A lint warning the reviewers examined and accepted, with their reason.

    Matches findings of `rule`, narrowed to one cause, action, chain or event
    (`subject`) and/or to a field and what lies under it (`field`, e.g.
    `causes[2]`); an accepted finding is reported as info, with the reason.
    """

    rule: Annotated[str, Field(pattern=r"^RCA[0-9]{3}$"), Sensitive(Sensitivity.PUBLIC)]
    subject: Ref | None = None
    field: (
        Annotated[
            str,
            Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.\[\]]{0,199}$"),
            Sensitive(Sensitivity.PUBLIC),
        ]
        | None
    ) = None
    reason: Text


class CaseReview(Model):
    """A post-hoc root-cause analysis of one escalated law-enforcement response case."""

    schema_version: Annotated[Literal[2], BeforeValidator(_yaml_int)] = SCHEMA_VERSION
    case_id: CaseId
    title: Line
    version: Version
    taxonomy: TaxonomyId = DEFAULT_TAXONOMY
    time_zone: TimeZone | None = None  # the case's reference clock; None: the first event's offset
    review: Review
    escalation: Escalation
    requests: Annotated[list[Request], Field(min_length=1, max_length=MAX_REQUESTS)]
    timeline: Annotated[list[Event], Field(min_length=1, max_length=MAX_ITEMS)]
    service_levels: list[ServiceLevel] = []
    problem: Problem
    impact: Impact
    causes: Annotated[list[Cause], Field(max_length=MAX_ITEMS)] = []
    why_chains: Annotated[list[WhyChain], Field(max_length=MAX_ITEMS)] = []
    evidence: Annotated[list[Evidence], Field(max_length=MAX_ITEMS)] = []
    actions: Annotated[list[Action], Field(max_length=MAX_ITEMS)] = []
    decisions: list[DecisionAsk] = []  # explicit asks of leadership, most pressing first
    lessons: list[Text] = []
    went_well: list[Text] = []  # what worked and should be kept
    lucky: list[Text] = []  # where chance, not a control, limited the harm
    training: Training = Training()
    policies: list[PolicyRef] = []
    identifiers: Annotated[list[Identifier], Field(max_length=MAX_ITEMS)] = []
    lint_accepted: list[AcceptedLint] = []  # warnings examined and accepted (rca analyze)

    @property
    def primary_request(self) -> Request:
        """The request the case is mainly about: the first one listed."""
        return self.requests[0]

    def request(self, request_id: str) -> Request | None:
        """The request with this id (its first occurrence), or None."""
        return next((r for r in self.requests if r.id == request_id), None)

    @model_validator(mode="wrap")
    @classmethod
    def _with_taxonomy(
        cls, data: Any, handler: ModelWrapValidatorHandler[CaseReview], info: ValidationInfo
    ) -> CaseReview:
        # Cause categories are checked against the taxonomy the record names;
        # a context variable hands it to Cause so the error lands on the
        # cause's own `category` field, with its own line and column.
        context = info.context or {}
        if isinstance(data, dict):
            from rca.migrate import upgrade_data

            data = upgrade_data(data)  # schema v1 is read as v2 (rca migrate rewrites the file)
        default = context.get("default_taxonomy", DEFAULT_TAXONOMY)
        if isinstance(data, dict) and "taxonomy" not in data and default != DEFAULT_TAXONOMY:
            data = {**data, "taxonomy": default}  # the project file's default taxonomy
        name = data.get("taxonomy", DEFAULT_TAXONOMY) if isinstance(data, dict) else None
        token = _TAXONOMY.set(_taxonomies(info).get(name) if isinstance(name, str) else None)
        roles = _ROLES.set(context.get("roles"))
        zone = data.get("time_zone") if isinstance(data, dict) else None
        valid_zone = isinstance(zone, str) and (zone in _zone_names() or zone == "UTC")
        zone_token = _ZONE.set(zone if valid_zone else None)
        try:
            return handler(data)
        finally:
            _ZONE.reset(zone_token)
            _ROLES.reset(roles)
            _TAXONOMY.reset(token)

    @field_validator("taxonomy")
    @classmethod
    def _known_taxonomy(cls, value: str, info: ValidationInfo) -> str:
        known = _taxonomies(info)
        if value not in known:
            raise PydanticCustomError(
                "taxonomy",
                "unknown taxonomy '{value}'; expected one of: {known}",
                {"value": value, "known": ", ".join(sorted(known))},
            )
        return value


def _taxonomies(info: ValidationInfo) -> dict[str, Taxonomy]:
    extra = (info.context or {}).get("taxonomies", {})
    return {**builtin_taxonomies(), **extra}
