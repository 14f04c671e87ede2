"""Human labels for the record's codes, as decks and briefs print them."""

from __future__ import annotations

from enum import Enum

_SPECIAL = {
    # process types
    "subpoena": "Subpoena",
    "court_order_2703d": "2703(d) court order",
    "search_warrant": "Search warrant",
    "emergency_disclosure": "Emergency disclosure request",
    "preservation": "Preservation request",
    "nondisclosure_order": "Nondisclosure order (2705(b))",
    "pen_register": "Pen register / trap and trace",
    "wiretap": "Wiretap order",
    "ncmec_report": "NCMEC CyberTipline report",
    "mlat_cloud_act": "MLAT / CLOUD Act request",
    "foreign_legal_process": "Foreign legal process (served directly)",
    # workflow steps
    "requester_verification": "Requester verification",
    "legal_review": "Legal sufficiency review",
    "account_identification": "Account identification",
    "preserve_collect": "Preserve and collect",
    "second_review": "Second review / QA",
    "user_notice": "User-notice decision",
    "closure": "Closure and transparency coding",
    "post_incident": "Post-incident",
    # data categories
    "basic_subscriber_info": "Basic subscriber information",
    "session_ip_logs": "Session and IP logs",
    "non_content_records": "Non-content records",
    "stored_content": "Stored content",
    "real_time_content": "Real-time content",
    "device_identifiers": "Device identifiers",
    "payment_info": "Payment information",
    "location_data": "Location data",
    "routing_data": "Routing data",
    # requesters
    "federal_law_enforcement": "Federal law enforcement",
    "state_law_enforcement": "State law enforcement",
    "local_law_enforcement": "Local law enforcement",
    "foreign_law_enforcement": "Foreign law enforcement",
    "child_safety_clearinghouse": "Child-safety clearinghouse",
    # legal bases, channels, translation
    "domestic_process": "Domestic legal process",
    "emergency_exception": "Emergency exception (2702(b)(8), (c)(4))",
    "mlat": "MLAT (mutual legal assistance)",
    "cloud_act_agreement": "CLOUD Act agreement",
    "foreign_order": "Foreign order served directly",
    "statutory_duty": "Statutory duty to report",
    "government_email": "Government email",
    "other_email": "Email (not a government address)",
    "treaty_channel": "Treaty channel (central authority)",
    "not_needed": "Not needed",
    "bilingual_staff": "Bilingual staff",
    "requester_provided": "Provided by the requester",
    "central_authority": "Central authority",
    "response_due": "Response due",
    "hold_expiry": "Hold expiry",
    "order_end": "Order end",
    "nondisclosure_expiry": "Nondisclosure order expiry",
    "not_applicable": "Not applicable",
    # identifier kinds
    "account_id": "Account ID",
    "ip_address": "IP address",
    "device_id": "Device ID",
    # misc
    "self_identified": "Self-identified",
    "near_miss": "Near miss",
    "in_review": "In review",
    "in_progress": "In progress",
    "forcing_function": "Forcing function",
    "child_safety": "Child safety",
    "request_received": "Request received",
    "error_occurred": "Error occurred",
    "changes_requested": "Changes requested",
}


def label(code: str | Enum | None) -> str:
    """`court_order_2703d` -> `2703(d) court order`; unknown codes read as sentences."""
    if code is None:
        return ""
    text = code.value if isinstance(code, Enum) else str(code)
    return _SPECIAL.get(text, text.replace("_", " ").capitalize())


def labels_for(*enums: type[Enum]) -> dict[str, str]:
    """Every code of the given enums with its label, for templates."""
    return {member.value: label(member) for enum in enums for member in enum}
