"""Reports from draft to published: making one, writing on it, choosing quotes, approval,
publication to its audiences, reissue. Every change of status goes through the report's
workflow (common.workflow); figures and files are made by the background worker
(insight.tasks) from ids alone.

Who may do what:
- the QA team (whoever may run cycles) makes any report and writes on it; a team manager
  writes their own team's report, a service manager their own service's overview;
- a report whose framework entry names an approver (`approved_by`, a role) is approved by
  someone holding that role, never by the person who sent it for approval;
- a report with no approver is published by the QA team.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from auditloop.common.errors import DomainError
from auditloop.insight import kinds as report_kinds
from auditloop.insight import notice_checks
from auditloop.insight.document import Document, Section, Text
from auditloop.insight.figures import Scope
from auditloop.insight.models import (
    Report,
    ReportDistribution,
    ReportExcerpt,
    ReportVersion,
)
from auditloop.notifications.done import about
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.people.roles import Capability, Role
from auditloop.programme.models import Cycle
from auditloop.standards import settings_spec
from auditloop.standards.selectors import framework_settings_row

S = Report.Status
EXCERPT_MAX = 400  # a short quote, not the auditor's whole evidence


# --------------------------------------------------------------------------- the setting


@dataclasses.dataclass(frozen=True)
class Entry:
    """What the framework's `reports` setting says of one kind of report."""

    kind: str
    names: tuple[str, ...]
    approver_role: str
    audiences: tuple[str, ...]


def framework_entries(rows: list[dict[str, Any]] | None = None) -> dict[str, Entry]:
    """The framework's reports by kind (from the settings, or the `rows` given). Two entries
    of one kind (000's audit report and its learning and recommendations, both quarterly)
    are one report with both audiences."""
    out: dict[str, Entry] = {}
    for row in (framework_settings_row().reports if rows is None else rows) or []:
        kind = row.get("kind") or ""
        if not kind:
            continue
        was = out.get(kind)
        out[kind] = Entry(
            kind=kind, names=(*(was.names if was else ()), str(row["report"])),
            approver_role=(was.approver_role if was and was.approver_role
                           else row.get("approved_by") or ""),
            audiences=tuple(dict.fromkeys([*(was.audiences if was else ()),
                                           *(row.get("audiences") or [])])))
    return out


def made_elsewhere() -> list[dict[str, Any]]:
    """The framework's reports that auditloop does not make (no kind): reminders only."""
    return [row for row in framework_settings_row().reports or [] if not row.get("kind")]


# --------------------------------------------------------------------------- who may


def _holds(role: str) -> Q:
    return Q(role_rows__role=role) | Q(job_title__role_rows__role=role)


def _is_qa_team(person: Person | None) -> bool:
    return bool(person and person.user and person.user.has_capability(Capability.RUN_CYCLE))


def may_write(report: Report, person: Person | None) -> bool:
    """The QA team writes on any report; a team manager on their team's report, a service
    manager on their service's overview."""
    if person is None or not person.is_active:
        return False
    if _is_qa_team(person):
        return True
    roles = person.roles
    if report.kind == "team" and Role.TEAM_MANAGER in roles:
        return report.team_id is not None and person.team_id == report.team_id
    if report.kind == "service" and Role.SERVICE_MANAGER in roles:
        return (report.service_id is not None and person.team is not None
                and person.team.service_id == report.service_id)
    return False


def may_approve(report: Report, person: Person | None) -> bool:
    if person is None or not person.is_active or not report.status_in("awaiting_approval"):
        return False
    if report.approver_role:
        return report.approver_role in person.roles and not _sent_it(report, person)
    return _is_qa_team(person)


def _sent_it(report: Report, person: Person) -> bool:
    last = report.status_history().filter(to_status=S.AWAITING_APPROVAL).last()
    return bool(last and person.user_id and last.actor_id == person.user_id)


def may_read(report: Report, user: Any) -> bool:
    """Readers of QA reports read every report; a published report is also read by its
    audiences' roles and by whoever may write on it."""
    if user.has_capability(Capability.VIEW_REPORTS):
        return True
    person = getattr(user, "person_or_none", None)
    if may_write(report, person):
        return True
    return report.status_in("published") and bool(set(report.audiences) & set(user.roles))


# --------------------------------------------------------------------------- making


def area_key(scope: Scope) -> str:
    return "|".join(str(x or "") for x in (scope.service_id, scope.team_id, scope.locality_id,
                                            scope.tool_key, scope.theme.lower(),
                                            scope.cycle_id))


def scope_of(report: Report) -> Scope:
    return Scope(start=report.period_start, end=report.period_end,
                 service_id=report.service_id, team_id=report.team_id,
                 locality_id=report.locality_id, tool_key=report.tool_key,
                 theme=report.theme, cycle_id=report.cycle_id)


def period_of(report: Report) -> report_kinds.Period:
    kind = report_kinds.kind(report.kind)
    if kind.period == report_kinds.PeriodType.PROGRAMME:
        return report_kinds.Period.between(report.period_start, report.period_end,
                                           report.period_key)
    return report_kinds.Period.parse(kind.period, report.period_key)


def programme_period(cycle: Cycle) -> report_kinds.Period:
    return report_kinds.Period.between(cycle.period_start, cycle.period_end,
                                       f"programme-{cycle.pk}")


def report_open(*, kind: str, period: report_kinds.Period, actor: Person | None,
                service_id: int | None = None, team_id: int | None = None,
                locality_id: int | None = None, tool_key: str = "", theme: str = "",
                cycle_id: int | None = None) -> tuple[Report, bool]:
    """The report of this kind for this period and area: the one already made, or a new
    draft whose figures the worker starts on. Returns (report, made now)."""
    k = report_kinds.kind(kind)
    if k.needs == "team" and not team_id:
        raise DomainError("Choose the team this report is for.")
    if k.needs == "service" and not service_id:
        raise DomainError("Choose the service this overview is for.")
    if k.needs == "programme" and not cycle_id:
        raise DomainError("Choose the programme this report is for.")
    scope = Scope(start=period.start, end=period.end, service_id=service_id, team_id=team_id,
                  locality_id=locality_id, tool_key=tool_key, theme=theme.strip(),
                  cycle_id=cycle_id)
    key = area_key(scope)
    found = Report.objects.filter(kind=kind, period_key=period.key, area_key=key).first()
    if found:
        return found, False
    entry = framework_entries().get(kind)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                kind=kind, title=k.name, period_key=period.key, period_start=period.start,
                period_end=period.end, service_id=service_id, team_id=team_id,
                locality_id=locality_id, tool_key=tool_key, theme=scope.theme,
                cycle_id=cycle_id, area_key=key, created_by=actor,
                approver_role=entry.approver_role if entry else "",
                audiences=list(entry.audiences) if entry else [])
            version = ReportVersion.objects.create(report=report, number=0)
            _enqueue(version.pk)
    except IntegrityError:  # a double click: the other request made it
        return Report.objects.get(kind=kind, period_key=period.key, area_key=key), False
    return report, True


def draft_version(report: Report) -> ReportVersion:
    version, _ = ReportVersion.objects.get_or_create(report=report, number=0)
    return version


def latest_published(report: Report) -> ReportVersion | None:
    return report.versions.filter(number__gt=0).order_by("-number").first()


@transaction.atomic
def figures_refresh(*, report: Report, actor: Person | None) -> ReportVersion:
    """Work the draft's figures out again (new audits since): only while it is a draft."""
    _check_writer(report, actor)
    if not report.status_in("editable"):
        raise DomainError("Only a draft's figures are made again. Open the report as a "
                          "draft to reissue it first.")
    version = ReportVersion.objects.select_for_update().get(pk=draft_version(report).pk)
    version.fail_if_stuck()  # the worker stopped: ask again, no waiting for ever
    if version.is_working:
        return version  # a double click: the worker is already on it
    _requeue(version, refresh_figures=True)
    return version


@transaction.atomic
def version_again(*, version: ReportVersion, actor: Person | None) -> ReportVersion:
    """A version that could not be made (its task failed, or the worker stopped making it:
    common.worker_files), queued again as it was asked: a published version from its
    frozen figures, a draft's figures worked out again only while it is a draft. One being
    made, or made, is left as it is (a double click)."""
    _check_writer(version.report, actor)
    locked = ReportVersion.objects.select_for_update().get(pk=version.pk)
    locked.fail_if_stuck()
    if not locked.is_failed:
        return locked
    refresh = (locked.number == 0 and locked.refresh_figures
               and version.report.status_in("editable"))
    _requeue(locked, refresh_figures=refresh)
    return locked


def _requeue(version: ReportVersion, *, refresh_figures: bool) -> None:
    version.state = ReportVersion.State.QUEUED
    version.refresh_figures = refresh_figures or version.document is None
    version.done = version.total = 0
    version.error = ""
    version.save(update_fields=["state", "refresh_figures", "done", "total", "error",
                                "updated_at"])
    _enqueue(version.pk)


def _enqueue(version_id: int) -> None:
    from auditloop.insight.tasks import make_report

    transaction.on_commit(partial(make_report.enqueue, version_id))


def _check_writer(report: Report, actor: Person | None) -> None:
    if not may_write(report, actor):
        raise DomainError("You cannot write on this report: the QA team, or the team or "
                          "service manager it is for, can.")


@transaction.atomic
def narrative_save(*, report: Report, commentary: str, recommendations: str, revision: int,
                   actor: Person | None) -> Report:
    """The writer's commentary and recommendations. A form opened before someone else's
    save is refused, so nothing is overwritten unseen."""
    _check_writer(report, actor)
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if not locked.status_in("editable"):
        raise DomainError("This report is not a draft now, so its words cannot change. "
                          "Reload the page to see where it has got to.")
    if locked.revision != revision:
        raise DomainError("Someone saved this report's words after you opened it. Your "
                          "words are below: copy them, reload the page, and add them again.")
    locked.commentary = commentary.strip()
    locked.recommendations = recommendations.strip()
    locked.revision += 1
    locked.save(update_fields=["commentary", "recommendations", "revision", "updated_at"])
    version = draft_version(locked)
    version.fail_if_stuck()
    if not version.is_working:
        _requeue(version, refresh_figures=False)
    return locked


# --------------------------------------------------------------------------- quotes


def excerpt_add(*, report: Report, audit_id: int, section: str, theme: str, text: str,
                strength: bool, actor: Person) -> ReportExcerpt:
    _check_writer(report, actor)
    if not report.status_in("editable"):
        raise DomainError("Quotes are chosen while the report is a draft.")
    text = " ".join(text.split())
    if not text:
        raise DomainError("Choose the words to quote.")
    if len(text) > EXCERPT_MAX:
        raise DomainError(f"Quote at most {EXCERPT_MAX} characters: a short excerpt, not "
                          "the whole evidence.")
    found = scan_for_names(text)
    if found:
        raise DomainError("The quote holds " + _names_message(found) +
                          ". Choose words without them.")
    excerpt = ReportExcerpt.objects.create(
        report=report, audit_id=audit_id, section=section[:200], theme=theme[:200],
        text=text, strength=strength, chosen_by=actor)
    _files_again(report)
    return excerpt


def excerpt_remove(*, excerpt: ReportExcerpt, actor: Person) -> None:
    _check_writer(excerpt.report, actor)
    if not excerpt.report.status_in("editable"):
        raise DomainError("Quotes are changed while the report is a draft.")
    report = excerpt.report
    excerpt.delete()
    _files_again(report)


def _files_again(report: Report) -> None:
    version = draft_version(report)
    version.fail_if_stuck()
    if not version.is_working:
        _requeue(version, refresh_figures=True)


def excerpts_of(report: Report) -> list[report_kinds.Excerpt]:
    return [report_kinds.Excerpt(text=e.text, section=e.section, theme=e.theme,
                                 strength=e.strength, audit_id=e.audit_id)
            for e in report.excerpts.all()]


# --------------------------------------------------------------------------- names


def scan_for_names(text: str) -> list[str]:
    """Names of people on the staff list and children's case references and identifiers
    from the register that appear in `text` (whole words, any case)."""
    from auditloop.cases.models import Case

    words = re.findall(r"[\w'-]+", text.lower())
    if not words:
        return []
    vocabulary = set(words)
    pairs = {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    found: list[str] = []
    for name in Person.objects.values_list("full_name", flat=True).iterator():
        parts = name.lower().split()
        if len(parts) >= 2 and (" ".join(parts) in " ".join(words)
                                or f"{parts[0]} {parts[-1]}" in pairs):
            found.append(name)
    codes = {w for w in vocabulary if any(ch.isdigit() for ch in w)}
    if codes:
        for ref, child in Case.objects.filter(reference__isnull=False).values_list(
                "reference", "child_identifier").iterator():
            for code in (ref, child):
                if code and code.lower() in codes:
                    found.append(code)
    return sorted(set(found))


def _names_message(found: Iterable[str]) -> str:
    found = list(found)
    return (f"{len(found)} name{'s' if len(found) != 1 else ''} of people or children from "
            "the register (" + ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
            + ")")


# --------------------------------------------------------------------------- narrative


def compose(report: Report, figures: Document) -> Document:
    """The report as read: the writer's commentary first, the figures, then the
    recommendations."""
    before, after = [], []
    if report.commentary:
        before.append(Section(heading="Commentary", ident="commentary", blocks=tuple(
            Text(p.strip()) for p in re.split(r"\n\s*\n", report.commentary) if p.strip())))
    lines = report.recommendation_lines()
    if lines:
        after.append(Section(heading="Recommendations", ident="recommendations",
                             blocks=tuple(Text(f"{i}. {line}")
                                          for i, line in enumerate(lines, 1))))
    area = _area_label(report)
    return dataclasses.replace(figures.with_sections(before, after), area=area)


def _area_label(report: Report) -> str:
    parts = [str(x) for x in (report.service, report.team, report.locality) if x]
    if report.tool_key:
        parts.append(f"tool {report.tool_key}")
    if report.theme:
        parts.append(f"theme {report.theme}")
    if report.cycle is not None:
        parts.append(str(report.cycle.name or report.cycle))
    return ", ".join(parts) or "The whole council"


# --------------------------------------------------------------------------- approval


def submit_for_approval(*, report: Report, actor: Person) -> Report:
    _check_writer(report, actor)
    if not report.approver_role:
        raise DomainError("The framework names nobody to approve this report: publish it.")
    _ready_to_go(report)
    Report.workflow.move(report, to=S.AWAITING_APPROVAL, actor=actor)
    approvers = Person.objects.filter(is_active=True).filter(
        _holds(report.approver_role)).exclude(pk=actor.pk).distinct()
    notify(recipients=approvers, subject=f"A report is waiting for your approval: "
           f"{report.title}", body="Read it, then approve and publish it or return it with "
           "a reason.", link=reverse("insight:report", args=[report.pk]) + "#approval",
           kind=notice_checks.APPROVE, about=about("report", report.pk))
    return report


def return_to_draft(*, report: Report, actor: Person, reason: str) -> Report:
    if not may_approve(report, actor):
        raise DomainError("Only the report's approver can return it.")
    if not reason.strip():
        raise DomainError("Say what needs to change before it is approved.")
    Report.workflow.move(report, to=S.DRAFT, actor=actor, reason=reason.strip())
    if report.created_by is not None:
        notify(recipients=[report.created_by], subject=f"Your report was returned: "
               f"{report.title}", body="Read the reason on the report, change it and send it "
               "again.", link=reverse("insight:report", args=[report.pk]) + "#history",
               kind=notice_checks.RESUBMIT, about=about("report", report.pk))
    return report


def reopen(*, report: Report, actor: Person, reason: str) -> Report:
    """A published report opened again as a draft, to be reissued with a reason."""
    _check_writer(report, actor)
    if not reason.strip():
        raise DomainError("Say why the report is to be reissued.")
    Report.workflow.move(report, to=S.DRAFT, actor=actor, reason=reason.strip())
    return report


def _ready_to_go(report: Report) -> ReportVersion:
    draft = draft_version(report)
    if not draft.is_ready or draft.document is None:
        raise DomainError("The report's figures are still being made. Wait until the page "
                          "says they are ready.")
    found = scan_for_names(compose(report, Document.from_json(draft.document)).text())
    if found:
        raise DomainError("The report holds " + _names_message(found) + ". Take them out "
                          "of the commentary, recommendations or quotes first.")
    return draft


@transaction.atomic
def publish(*, report: Report, actor: Person, reason: str = "") -> ReportVersion:
    """Freeze the draft's figures with the narrative as a new version, send it to the
    framework's audiences, and make its files in the background."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status_in("awaiting_approval"):
        if not may_approve(report, actor):
            raise DomainError("This report is waiting for its approver: someone holding the "
                              f"role {Role(report.approver_role).label} approves it.")
    elif report.status_in("editable"):
        if report.approver_role:
            raise DomainError("This report is approved before it is published: send it for "
                              "approval.")
        _check_writer(report, actor)
    else:
        raise DomainError("This report is already published. Open it as a draft to reissue "
                          "it.")
    draft = _ready_to_go(report)
    number = (report.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    if number > 1 and not reason.strip():
        last = report.status_history().filter(to_status=S.DRAFT).last()
        reason = last.reason if last else ""
    if number > 1 and not reason.strip():
        raise DomainError("Say why the report is reissued.")
    assert draft.document is not None
    frozen = compose(report, Document.from_json(draft.document))
    version = ReportVersion.objects.create(
        report=report, number=number, document=document_json(frozen),
        state=ReportVersion.State.QUEUED, refresh_figures=False,
        published_at=timezone.now(), published_by=actor,
        reason=reason.strip())
    report.approved_by = actor if report.approver_role else None
    Report.workflow.move(report, to=S.PUBLISHED if number == 1 else S.REISSUED, actor=actor,
                         reason=reason.strip(), also_save=["approved_by"])
    _distribute(report, version)
    _enqueue(version.pk)
    return version


def document_json(doc: Document) -> Any:
    """A document as stored on a version (a JSON field)."""
    return json.loads(doc.to_json())


def _distribute(report: Report, version: ReportVersion) -> None:
    contacts = {c.get("key"): c for c in (framework_settings_row().contacts or [])}
    link = reverse("insight:report", args=[report.pk])
    word = "published" if version.number == 1 else "reissued"
    for audience in report.audiences:
        if audience.startswith("contact:"):
            contact = contacts.get(audience.removeprefix("contact:"), {})
            ReportDistribution.objects.create(
                version=version, audience=audience,
                label=settings_spec.recipient_label(audience, list(contacts.values())),
                mailbox=str(contact.get("email") or ""))
            continue
        if audience not in Role.values:
            continue
        people = list(Person.objects.filter(is_active=True).filter(_holds(audience))
                      .select_related("team").distinct())
        people = [p for p in people if _reads_area(report, p)]
        notify(recipients=people, subject=f"A QA report has been {word}: {report.title}",
               body="Read it, and its recommendations, in auditloop.", link=link)
        ReportDistribution.objects.create(version=version, audience=audience,
                                          label=str(Role(audience).label),
                                          people_told=len(people))


def _reads_area(report: Report, person: Person) -> bool:
    """A team's report goes to the people in the audience roles in that team's service; a
    service's overview to those in that service; a council-wide report to everyone in them."""
    service_id = report.service_id or (report.team.service_id if report.team else None)
    if service_id is None:
        return True
    return person.team is not None and person.team.service_id == service_id


# --------------------------------------------------------------------------- due


@dataclasses.dataclass(frozen=True)
class Due:
    name: str
    kind: str  # "" for a report made elsewhere
    period: report_kinds.Period | None
    report: Report | None  # the report already begun for the period, if any


COUNCIL = area_key(Scope(start=dt.date.min, end=dt.date.min))  # the whole council


def due_periods(today: dt.date,
                entries: dict[str, Entry] | None = None) -> dict[str, report_kinds.Period]:
    """Each council-wide report the framework names, with its latest whole period (team
    and service reports are per area: their writers see them on their own pages)."""
    out = {}
    for kind, _entry in (framework_entries() if entries is None else entries).items():
        k = report_kinds.kinds().get(kind)
        if k is not None and not k.needs:
            out[kind] = report_kinds.Period.latest(k.period, today)
    return out


def due_q(periods: dict[str, report_kinds.Period]) -> Q:
    """The reports already begun for those periods, as one filter."""
    q = Q(pk__in=[])
    for kind, period in periods.items():
        q |= Q(kind=kind, period_key=period.key, area_key=COUNCIL)
    return q


def due_reports(today: dt.date, *, entries: dict[str, Entry] | None = None,
                begun: list[Report] | None = None) -> list[Due]:
    """The framework's council-wide reports for their latest whole period that are not
    published yet. One query (none when `begun` holds the reports already fetched)."""
    entries = framework_entries() if entries is None else entries
    periods = due_periods(today, entries)
    if begun is None:
        begun = list(Report.objects.filter(due_q(periods)))
    found = {(r.kind, r.period_key): r for r in begun if r.area_key == COUNCIL}
    out = []
    for kind, period in periods.items():
        report = found.get((kind, period.key))
        if report is None or not report.status_in("published"):
            out.append(Due(name=" / ".join(entries[kind].names), kind=kind, period=period,
                           report=report))
    return out
