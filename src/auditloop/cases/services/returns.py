"""Writes the returns' own rows (referrals, assessments, section 47 enquiries, plans, 903
episodes, missing episodes, care leavers' status, contacts) kept for the indicators.

Each row is found by its case and its key (the start date), so importing the same file
again changes nothing, and a file that changed a row's values updates it in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from auditloop.cases.models import (
    Assessment,
    CareEpisode,
    CareLeaverStatus,
    Case,
    Contact,
    MissingEpisode,
    ProtectionPlan,
    Referral,
    ReturnRow,
    Section47Enquiry,
)

MODELS: dict[str, type[ReturnRow]] = {
    "referral": Referral,
    "assessment": Assessment,
    "section_47": Section47Enquiry,
    "protection_plan": ProtectionPlan,
    "care_episode": CareEpisode,
    "missing_episode": MissingEpisode,
    "care_leaver_status": CareLeaverStatus,
    "contact": Contact,
}
_BATCH = 500


@dataclass(frozen=True)
class ReturnRowIn:
    """One row to keep: its kind (a key of MODELS), its case (None for a contact), the
    fields that find it and the fields the file gives."""

    kind: str
    case: Case | None
    key: Mapping[str, Any]
    values: Mapping[str, Any]
    child_identifier: str = ""  # contacts only


def _key_of(kind: str, case_id: int | None, key: Mapping[str, Any], child: str) -> tuple[Any, ...]:
    if kind == "contact":
        return (child, key["contacted_on"], key.get("source", ""))
    return (case_id, *sorted(key.items()))


def _existing(model: type[ReturnRow], kind: str, rows: Sequence[ReturnRowIn]
              ) -> dict[tuple[Any, ...], models.Model]:
    found: dict[tuple[Any, ...], models.Model] = {}
    if kind == "contact":
        children = sorted({r.child_identifier for r in rows})
        for i in range(0, len(children), _BATCH):
            for obj in Contact.objects.filter(child_identifier__in=children[i:i + _BATCH]):
                found[(obj.child_identifier, obj.contacted_on, obj.source)] = obj
        return found
    key_names = sorted(rows[0].key)
    case_ids = sorted({r.case.pk for r in rows if r.case is not None})
    for i in range(0, len(case_ids), _BATCH):
        for obj in model.objects.filter(case_id__in=case_ids[i:i + _BATCH]):  # type: ignore[attr-defined]
            found[(obj.case_id, *((k, getattr(obj, k)) for k in key_names))] = obj
    return found


@transaction.atomic
def return_rows_record(*, rows: Iterable[ReturnRowIn], origin: str) -> tuple[int, int]:
    """Keep the returns' rows; returns (rows added, rows changed).

    Rows given twice in one import are one row, the later winning. A contact is linked to
    the case whose reference is its child's identifier, when there is one.
    """
    by_kind: dict[str, dict[tuple[Any, ...], ReturnRowIn]] = {}
    for row in rows:
        case_id = row.case.pk if row.case is not None else None
        by_kind.setdefault(row.kind, {})[
            _key_of(row.kind, case_id, row.key, row.child_identifier)] = row
    created = changed = 0
    for kind, wanted in by_kind.items():
        model = MODELS[kind]
        existing = _existing(model, kind, list(wanted.values()))
        cases: dict[str, int] = {}
        if kind == "contact":
            refs = sorted({r.child_identifier for r in wanted.values()})
            for i in range(0, len(refs), _BATCH):
                cases.update(Case.objects.filter(reference__in=refs[i:i + _BATCH])
                             .values_list("reference", "pk"))
        new: list[ReturnRow] = []
        for key, row in wanted.items():
            values = dict(row.values)
            if kind == "contact":
                values["case_id"] = cases.get(row.child_identifier)
            obj = existing.get(key)
            if obj is None:
                fields = {**row.key, **values, "origin": origin}
                if kind == "contact":
                    fields["child_identifier"] = row.child_identifier
                else:
                    fields["case"] = row.case
                new.append(model(**fields))
                continue
            differs = [name for name, value in values.items() if getattr(obj, name) != value]
            if differs:
                for name in differs:
                    setattr(obj, name, values[name])
                obj.origin = origin  # type: ignore[attr-defined]
                obj.save(update_fields=[*differs, "origin", "updated_at"])
                changed += 1
        model.objects.bulk_create(new, batch_size=_BATCH)  # type: ignore[attr-defined]
        created += len(new)
    return created, changed
