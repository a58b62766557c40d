"""A team manager's supervision list: cases to discuss with a practitioner at their next
supervision (an immediate concern, 002; agreeing SMART actions, 001; a reflective
discussion of the audit, 001 and 002), and the note that records the discussion."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from auditloop.audits.models import Audit, SupervisionItem
from auditloop.cases.selectors import reaches_case
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.people.models import Person

# Writes


@transaction.atomic
def supervision_item_add(*, supervisor: Person, supervisee: Person | None, audit: Audit,
                         reason: str) -> SupervisionItem:
    """Put a case on the supervisor's list. Asking again for something already discussed
    (a second concern on the same audit) puts it back on the list; earlier notes stay."""
    item, created = SupervisionItem.objects.get_or_create(
        supervisor=supervisor, supervisee=supervisee, audit=audit, reason=reason)
    if not created and item.discussed_at is not None:
        item = SupervisionItem.objects.select_for_update().get(pk=item.pk)
        item.discussed_at = None
        item.save(update_fields=["discussed_at", "updated_at"])
    return item


@transaction.atomic
def supervision_item_record_discussion(*, item: SupervisionItem, actor: Person,
                                       note: str) -> SupervisionItem:
    """Record the supervision or management oversight note (001: "Managers are expected to
    record their discussions"): the item leaves the waiting list."""
    item = SupervisionItem.objects.select_for_update().get(pk=item.pk)
    if actor.pk != item.supervisor_id:
        raise DomainError("Only the team manager whose supervision this is can record it.")
    if item.discussed_at is not None:
        when = date_format(timezone.localtime(item.discussed_at), "j F Y")
        raise WorkflowError(f"This discussion was already recorded on {when}.")
    if not note.strip():
        raise DomainError("Write what was discussed and agreed.", field="note")
    now = timezone.now()
    entry = note.strip()
    if item.note:
        # A reopened item: keep what was recorded before, dated.
        entry = f"{item.note}\n\n{date_format(timezone.localtime(now), 'j F Y')}: {entry}"
    item.note = entry
    item.discussed_at = now
    item.save(update_fields=["note", "discussed_at", "updated_at"])
    return item


# Reads


def _with_related(qs: QuerySet[SupervisionItem]) -> QuerySet[SupervisionItem]:
    return qs.select_related(
        "supervisor", "supervisee", "audit", "audit__case", "audit__tool_version",
        "audit__tool_version__tool",
    )


def supervision_waiting_for(person: Person) -> QuerySet[SupervisionItem]:
    """Items waiting for a supervisor, practitioner by practitioner, oldest first."""
    return _with_related(
        SupervisionItem.objects.filter(supervisor=person, discussed_at__isnull=True)
    ).order_by("supervisee__full_name", "supervisee_id", "created_at", "id")


def supervision_recently_discussed(person: Person, *, limit: int = 20,
                                   ) -> QuerySet[SupervisionItem]:
    return _with_related(
        SupervisionItem.objects.filter(supervisor=person, discussed_at__isnull=False)
    ).order_by("-discussed_at", "-id")[:limit]


def supervision_waiting_count(person: Person) -> int:
    return SupervisionItem.objects.filter(supervisor=person, discussed_at__isnull=True).count()


def may_see_supervision_item(user: Any, item: SupervisionItem) -> bool:
    person = user.person_or_none
    if person is not None and person.pk == item.supervisor_id:
        return True
    return reaches_case(user, item.audit.case)


def get_supervision_item_for_user(user: Any, item_id: int) -> SupervisionItem:
    """The supervisor's item (the QA team may read it too), or 404 for missing and
    forbidden alike."""
    item = _with_related(SupervisionItem.objects.filter(pk=item_id)).first()
    if item is None or not may_see_supervision_item(user, item):
        raise Http404
    return item
