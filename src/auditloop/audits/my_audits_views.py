"""A practitioner's "Audits of my cases" and a team manager's "My team's audits", and the
audits section of the case page (registered with cases.sections: the register imports no
app above it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from auditloop.audits import my_audits
from auditloop.cases.models import Case
from auditloop.cases.sections import CaseSection
from auditloop.common.access import log_access_many
from auditloop.common.models import AccessLog


def _page(request: HttpRequest, rows: list[my_audits.AuditRow], *, title: str, intro: str,
          team: bool) -> HttpResponse:
    # Each audit listed is part of a child's record: one row each, in one insert.
    log_access_many(request, object_type="audit", object_ids=[r.audit.pk for r in rows],
                    action=AccessLog.Action.LIST)
    return render(request, "audits/my_audits.html", {
        "title": title, "intro": intro, "team": team,
        "waiting": [r for r in rows if r.steps],
        # Every audit, newest first.
        "rows": sorted(rows, key=lambda r: (r.date or dt.date.min, r.audit.pk), reverse=True),
        "today": timezone.localdate(),
    })


@require_GET
def my_case_audits(request: HttpRequest) -> HttpResponse:
    if not my_audits.holds_cases(request.user):
        raise PermissionDenied
    return _page(request, my_audits.audits_of_my_cases(request.user),
                 title="Audits of my cases",
                 intro="Audits of the cases you hold or have worked on, once their findings "
                       "are shared with you, and what each is waiting for you to do.",
                 team=False)


@require_GET
def team_audits(request: HttpRequest) -> HttpResponse:
    if not my_audits.leads_a_team(request.user):
        raise PermissionDenied
    return _page(request, my_audits.audits_of_my_team(request.user),
                 title="My team's audits",
                 intro="Audits of the cases your team holds, once their findings are shared "
                       "with you, and what each is waiting for you to do.",
                 team=True)


def case_audits_section(request: Any, case: Case) -> CaseSection | None:
    """The audits of the case the reader may open (logged as listed), on the case page."""
    found = my_audits.audits_on_case_page(request.user, case.pk)
    if found:
        log_access_many(request, object_type="audit", object_ids=[a.audit.pk for a in found],
                        action=AccessLog.Action.LIST)
    return CaseSection(title="Audits of this case", template="audits/_case_audits.html",
                       context={"audits": found}, order=10, anchor="audits")


urlpatterns = [
    path("my-cases/", my_case_audits, name="my_case_audits"),
    path("my-team/", team_audits, name="team_audits"),
]
