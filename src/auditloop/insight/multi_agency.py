"""The multi-agency contribution to conferences and reviews (002's Safeguarding Unit report):
recording it (the IRO or CP Chair who chaired the meeting, on a case they chair), the list,
and the figures: for each agency, the share of the meetings it was invited to that it
attended, sent a report to, or either, each with its count and 95% Wilson interval.

The model lives in the practice app (practice.meetings); the pages are the reports' own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from auditloop.cases.models import Case
from auditloop.cases.selectors import cases_for_user
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError
from auditloop.common.statistics import Proportion, wilson
from auditloop.people.models import Person
from auditloop.practice.meetings import MultiAgencyMeeting
from auditloop.practice.selectors import cases_chaired_by

M = MultiAgencyMeeting
AGENCIES = [key for key, _ in M.Agency.choices]


# --------------------------------------------------------------------------- recording


@transaction.atomic
def meeting_record(*, case: Case, actor: Person, kind: str, held_on: dt.date,
                   invited: Sequence[str], attended: Sequence[str],
                   sent_report: Sequence[str]) -> MultiAgencyMeeting:
    """Record a meeting the actor chaired, on a case they review or chair now."""
    if not cases_chaired_by(actor).filter(pk=case.pk).exists():
        raise DomainError("You can record meetings only on the cases you review or chair.",
                          field="case")
    if kind not in M.Kind.values:
        raise DomainError("Choose the kind of meeting.", field="kind")
    if held_on > timezone.localdate():
        raise DomainError("The meeting's date must be today or in the past.", field="held_on")
    chosen = {"invited": list(invited), "attended": list(attended),
              "sent_report": list(sent_report)}
    for name, keys in chosen.items():
        unknown = [k for k in keys if k not in AGENCIES]
        if unknown:
            raise DomainError("Choose agencies from the list.", field=name)
    if not invited:
        raise DomainError("Choose the agencies invited to the meeting.", field="invited")
    for name, verb in (("attended", "attended"), ("sent_report", "sent a report")):
        extra = [k for k in chosen[name] if k not in invited]
        if extra:
            raise DomainError(
                f"An agency that {verb} must also be ticked as invited: "
                + ", ".join(M.agency_label(k) for k in extra) + ".", field=name)
    ordered = {name: [k for k in AGENCIES if k in keys] for name, keys in chosen.items()}
    try:
        with transaction.atomic():
            return M.objects.create(case=case, kind=kind, held_on=held_on, chaired_by=actor,
                                    **ordered)
    except IntegrityError as exc:
        raise DomainError("This meeting is already recorded for this case on that date.",
                          field="held_on") from exc


# --------------------------------------------------------------------------- the list


def meetings_for_user(*, user: Any, month: dt.date | None = None) -> QuerySet[MultiAgencyMeeting]:
    """Meetings on the cases this person may see, newest first."""
    visible = cases_for_user(user=user).order_by().values("pk")
    qs = M.objects.filter(case__in=visible).select_related("case", "chaired_by")
    if month is not None:
        qs = qs.filter(held_on__gte=month, held_on__lt=add_months(month, 1))
    return qs.order_by("-held_on", "-pk")


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class AgencyRow:
    agency: str
    invited: int  # meetings it was invited to
    attended: Proportion  # of those
    sent_report: Proportion
    contributed: Proportion  # attended, sent a report, or both


@dataclass(frozen=True)
class MeetingFigures:
    meetings: int
    by_kind: tuple[tuple[str, int], ...]  # every kind, in the list's order
    agencies: tuple[AgencyRow, ...]  # those invited at least once, in the list's order


def contribution(*, since: dt.date, until: dt.date) -> MeetingFigures:
    """Meetings held between two days (inclusive). One query."""
    rows = list(M.objects.filter(held_on__gte=since, held_on__lte=until)
                .values_list("kind", "invited", "attended", "sent_report"))
    agencies = []
    for key, label in M.Agency.choices:
        asked = [(key in a, key in s) for _, i, a, s in rows if key in i]
        if not asked:
            continue
        n = len(asked)
        agencies.append(AgencyRow(
            agency=str(label), invited=n,
            attended=wilson(sum(1 for a, _ in asked if a), n),
            sent_report=wilson(sum(1 for _, s in asked if s), n),
            contributed=wilson(sum(1 for a, s in asked if a or s), n)))
    return MeetingFigures(
        meetings=len(rows),
        by_kind=tuple((str(label), sum(1 for r in rows if r[0] == value))
                      for value, label in M.Kind.choices),
        agencies=tuple(agencies))


__all__ = ["AGENCIES", "AgencyRow", "MeetingFigures", "contribution", "meeting_record",
           "meetings_for_user"]
