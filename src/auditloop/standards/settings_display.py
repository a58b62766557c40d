"""Framework settings in plain English: each value as lines for the settings page and history."""

from __future__ import annotations

from typing import Any

from auditloop.people.models import Service
from auditloop.standards.settings_spec import (
    ACTIVITIES,
    CHANNELS,
    EVENTS,
    EXCLUSIONS,
    FILTERS,
    FREQUENCIES,
    NOT_ACTED_ON_YET,
    NOT_ACTED_ON_YET_TEXT,
    RECORD_TYPES,
    SELECTION_MODES,
    SETTINGS,
    notice,
    panel_member_label,
    recipient_label,
)


def display(name: str, value: Any, contacts: list[dict[str, Any]]) -> list[str]:
    """A setting's value as lines of plain English for the settings page and history."""
    setting = SETTINGS.get(name)
    if value is None or value == "" or value == [] or value == {}:
        return ["Not set"]
    if isinstance(value, bool):
        return ["Yes" if value else "No"]
    if setting and setting.field.choices and isinstance(value, str):
        return [str(dict(setting.field.choices).get(value, value))]
    if name in ("auditor_roles", "re_audit_by_roles"):
        return [", ".join(recipient_label(v) for v in value)]
    if name == "moderation_panel_roles":
        return [", ".join(panel_member_label(v) for v in value)]
    if name == "eligible_services":
        return [", ".join(str(Service.Kind(v).label) for v in value if v in Service.Kind.values)]
    if name == "actions_signed_off_by":
        return [recipient_label(value, contacts)]
    if name == "theme_plan":
        return [f"Cycle {t['cycle']}: {t['theme']}" for t in sorted(value, key=lambda t:
                                                                    t["cycle"])]
    if name == "notification_rules":
        return [f"{EVENTS.get(event, event)}: " + "; ".join(_notice_text(n, contacts)
                                                            for n in entries)
                + (f" ({NOT_ACTED_ON_YET_TEXT.lower()})" if event in NOT_ACTED_ON_YET else "")
                for event, entries in value.items()]
    if name == "contacts":
        return [c["label"] + (f" ({c['email']})" if c.get("email") else "") for c in value]
    if name == "selection_modes":
        return [_mode_text(m, contacts) for m in value]
    if name == "exclusions":
        return [f"{EXCLUSIONS[e['rule']]}: {e['value']}" for e in value]
    if name == "reports":
        return [f"{r['report']} ({FREQUENCIES[r['frequency']].lower()})"
                + (": " + ", ".join(recipient_label(a, contacts) for a in r["audiences"])
                   if r["audiences"] else "") for r in value]
    if name == "other_activities":
        return [_activity_text(a, contacts) for a in value]
    if name == "retention":
        return [f"{RECORD_TYPES.get(k, k)}: "
                + ("kept" if str(v).strip().lower() == "keep" else str(v))
                for k, v in value.items()]
    if isinstance(value, list):
        return [", ".join(str(v) for v in value)]
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    return [str(value)]


def _notice_text(entry: Any, contacts: list[dict[str, Any]]) -> str:
    n = notice(entry)
    text = recipient_label(n["to"], contacts)
    extra = [CHANNELS[h].lower() for h in n["how"]]
    if n["at_once"]:
        extra.insert(0, "at once")
    if n["where_appropriate"]:
        extra.append("where appropriate")
    return text + (f" ({', '.join(extra)})" if extra else "")


def _activity_text(a: dict[str, Any], contacts: list[dict[str, Any]]) -> str:
    parts = [ACTIVITIES[a["activity"]]]
    if a.get("of"):
        parts.append("of " + ", ".join(recipient_label(o, contacts) for o in a["of"]))
    if a.get("per_year"):
        parts.append(f"{a['per_year']} a year")
    if a.get("at_least_one_of"):
        parts.append(f"at least one of {a['at_least_one_of']}")
    text = ", ".join(parts)
    return text + (f": {a['note']}" if a.get("note") else "")


def _mode_text(mode: dict[str, Any], contacts: list[dict[str, Any]]) -> str:
    text = SELECTION_MODES[mode["mode"]]
    details = [FILTERS[f["filter"]] + (f" {f['value']}" if f.get("value") else "")
               for f in mode["filters"]]
    if mode["by"]:
        details.append("by " + ", ".join(recipient_label(b, contacts) for b in mode["by"]))
    if mode.get("months"):
        details.append(f"{mode['months']} months")
    return text + (f" ({'; '.join(details)})" if details else "")
