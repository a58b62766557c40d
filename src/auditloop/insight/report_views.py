"""The reports' records: the list (what is due, drafts, published), making one, the report
page with its progress, the writer's words and quotes, approval, publication, reissue and
the stored files.

A report shows figures only; the quote chooser shows auditors' written evidence, which is
part of a child's record, so it is shown only for audits the reader may open, and logged.
Every page checks the reader against the report (services.may_read / may_write).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.actions.models import LearningSource
from auditloop.actions.selectors import made_from
from auditloop.audits.models import Answer
from auditloop.audits.selectors import openable_audit_ids
from auditloop.common.access import log_access, log_access_many
from auditloop.common.errors import DomainError
from auditloop.insight import kinds as report_kinds
from auditloop.insight import render as layout
from auditloop.insight import services
from auditloop.insight.document import Document
from auditloop.insight.figures import GRADED
from auditloop.insight.models import Report, ReportExcerpt, ReportVersion
from auditloop.people.models import Locality, Person, Service, Team
from auditloop.people.roles import Capability
from auditloop.programme.models import Cycle, CycleCase
from auditloop.standards.models import Tool

FORMATS = {"pdf": ("application/pdf", "pdf"),
           "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    "docx"),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "xlsx")}


def _person(request: HttpRequest) -> Person | None:
    return getattr(request.user, "person_or_none", None)


def _readable(request: HttpRequest, report_id: int) -> Report:
    report = get_object_or_404(Report.objects.select_related(
        "service", "team", "locality", "cycle", "created_by", "approved_by"), pk=report_id)
    if not services.may_read(report, request.user):
        raise Http404
    return report


def _writable(request: HttpRequest, report_id: int) -> Report:
    report = _readable(request, report_id)
    if not services.may_write(report, _person(request)):
        raise Http404
    return report


# --------------------------------------------------------------------------- the list


def _id_choices(pairs: Any, empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((str(pk), label) for pk, label in pairs)]


class NewReportForm(forms.Form):
    kind = forms.ChoiceField(label="Report")
    period = forms.CharField(
        label="Period", required=False, max_length=20,
        help_text="A month (2026-03), a quarter (2026-Q1) or a financial year (2025-26), as "
                  "the report asks. Leave it empty for the last whole period.")
    service = forms.TypedChoiceField(coerce=int, empty_value=None, required=False,
                                     label="Service")
    team = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Team")
    locality = forms.TypedChoiceField(coerce=int, empty_value=None, required=False,
                                      label="Locality")
    tool = forms.ChoiceField(label="Audit tool", required=False)
    theme = forms.CharField(label="Theme", required=False, max_length=200)
    programme = forms.TypedChoiceField(coerce=int, empty_value=None, required=False,
                                       label="Programme",
                                       help_text="For a one-off programme's report.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (k.key, k.name) for k in report_kinds.kinds().values()]
        self.fields["service"].choices = _id_choices(  # type: ignore[attr-defined]
            Service.objects.values_list("pk", "name"), "Every service")
        self.fields["team"].choices = _id_choices(  # type: ignore[attr-defined]
            Team.objects.values_list("pk", "name"), "Every team")
        self.fields["locality"].choices = _id_choices(  # type: ignore[attr-defined]
            Locality.objects.values_list("pk", "name"), "Every locality")
        self.fields["tool"].choices = [  # type: ignore[attr-defined]
            ("", "Every tool"), *Tool.objects.values_list("key", "name").order_by("name")]
        self.fields["programme"].choices = _id_choices(  # type: ignore[attr-defined]
            ((c.pk, c.name or str(c)) for c in Cycle.objects.exclude(
                kind=Cycle.Kind.MONTHLY).order_by("-period_end")), "None")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key = data.get("kind")
        if not key:
            return data
        kind = report_kinds.kind(key)
        if kind.period == report_kinds.PeriodType.PROGRAMME:
            cycle = Cycle.objects.filter(pk=data.get("programme") or 0).first()
            if cycle is None:
                self.add_error("programme", "Choose the programme this report is for")
            else:
                data["the_period"] = services.programme_period(cycle)
            return data
        text = (data.get("period") or "").strip()
        try:
            data["the_period"] = (report_kinds.Period.parse(kind.period, text) if text
                                  else report_kinds.Period.latest(kind.period,
                                                                  timezone.localdate()))
        except ValueError as exc:
            self.add_error("period", str(exc))
        if kind.needs == "team" and not data.get("team"):
            self.add_error("team", "Choose the team this report is for")
        if kind.needs == "service" and not data.get("service"):
            self.add_error("service", "Choose the service this overview is for")
        return data


def _visible_reports(request: HttpRequest) -> list[Report]:
    qs = Report.objects.select_related("service", "team", "cycle").order_by(
        "-period_end", "kind")[:200]
    return [r for r in qs if services.may_read(r, request.user)]


@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    """Reports: what is due, what is waiting, what has been published; making one."""
    person = _person(request)
    user: Any = request.user
    may_make = user.has_capability(Capability.RUN_CYCLE)
    form = NewReportForm(request.POST or None)
    if request.method == "POST":
        if not may_make and not _may_make_own(person, request.POST):
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                report, made = services.report_open(
                    kind=d["kind"], period=d["the_period"], actor=person,
                    service_id=d.get("service"), team_id=d.get("team"),
                    locality_id=d.get("locality"), tool_key=d.get("tool") or "",
                    theme=d.get("theme") or "", cycle_id=d.get("programme"))
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "The report's figures are being made." if made
                                 else "This report was made already: here it is.")
                return redirect("insight:report", report.pk)
    reports = _visible_reports(request)
    if not reports and not may_make and not user.has_capability(Capability.VIEW_REPORTS):
        own = _own_reports_to_make(person)
        if not own:
            raise Http404
    return render(request, "insight/report_list.html", {
        "form": form, "may_make": may_make,
        "due": services.due_reports(timezone.localdate()) if may_make else [],
        "elsewhere": services.made_elsewhere() if may_make else [],
        "waiting": [r for r in reports if r.status_in("unpublished")],
        "published": [r for r in reports if r.status_in("published")],
        "own": _own_reports_to_make(person),
    })


def _own_reports_to_make(person: Person | None) -> list[dict[str, Any]]:
    """A team manager's team report and a service manager's overview, for last month."""
    if person is None or person.team_id is None:
        return []
    from auditloop.people.roles import Role

    last = report_kinds.Period.latest(report_kinds.PeriodType.MONTH, timezone.localdate())
    out = []
    team = person.team
    assert team is not None
    if Role.TEAM_MANAGER in person.roles:
        out.append({"kind": "team", "label": f"Team report for {team.name}, {last.label}",
                    "team": team.pk, "service": "", "period": last.key})
    if Role.SERVICE_MANAGER in person.roles:
        out.append({"kind": "service",
                    "label": f"Service overview for {team.service.name}, {last.label}",
                    "team": "", "service": team.service_id, "period": last.key})
    return out


def _may_make_own(person: Person | None, post: Any) -> bool:
    for own in _own_reports_to_make(person):
        if post.get("kind") == own["kind"] and str(post.get("team") or "") == str(
                own["team"]) and str(post.get("service") or "") == str(own["service"]):
            return True
    return False


# --------------------------------------------------------------------------- one report


def _shown_version(report: Report, number: int | None) -> ReportVersion | None:
    """The version asked for (the latest published, or the draft, if none is named). One
    the background worker stopped making is marked failed first (common.worker_files), so
    the page says so, stops polling and offers to make it again."""
    if number is not None:
        version = report.versions.filter(number=number).first()
    elif report.status_in("published"):
        version = services.latest_published(report)
    else:
        version = services.draft_version(report)
    if version is not None:
        version.fail_if_stuck()
    return version


def _document(report: Report, version: ReportVersion | None) -> Document | None:
    if version is None or version.document is None:
        return None
    doc = Document.from_json(version.document)
    return services.compose(report, doc) if version.number == 0 else doc


def _drill_url(request: HttpRequest) -> Any:
    """Figures link to the audits behind them for readers who may open audits."""
    from django.urls import NoReverseMatch
    from django.utils.http import urlencode

    try:
        base = reverse("insight:audits")
    except NoReverseMatch:
        return None

    def url(drill: dict[str, str] | None) -> str | None:
        return f"{base}?{urlencode(drill)}" if drill else None
    return url


@require_GET
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _readable(request, report_id)
    person = _person(request)
    raw = request.GET.get("version", "")
    number = int(raw) if raw.isdigit() else None
    version = _shown_version(report, number)
    if version is None:
        raise Http404
    draft = services.draft_version(report)
    if draft.pk != version.pk:
        draft.fail_if_stuck()
    may_write = services.may_write(report, person)
    return render(request, "insight/report.html", {
        "report": report, "version": version, "draft": draft,
        "period_label": services.period_of(report).label,
        "doc": _document(report, version), "drill_url": _drill_url(request),
        "published": list(report.versions.filter(number__gt=0).select_related(
            "published_by").prefetch_related("distribution").order_by("-number")),
        "may_write": may_write, "may_approve": services.may_approve(report, person),
        "history": list(report.status_history().select_related("actor")),
        "excerpts": list(report.excerpts.all()) if may_write else [],
        "made": made_from(source_key=report.source_key),
        "made_from_args": {"source": LearningSource.REPORT, "label": str(report),
                           "key": report.source_key},
    })


@require_GET
def report_status(request: HttpRequest, report_id: int) -> HttpResponse:
    """The version being made, polled by the page until it is ready."""
    report = _readable(request, report_id)
    raw = request.GET.get("version", "")
    version = _shown_version(report, int(raw) if raw.isdigit() else None)
    if version is None:
        raise Http404
    response = render(request, "insight/_version_status.html", {
        "report": report, "version": version,
        "may_write": services.may_write(report, _person(request))})
    if request.headers.get("HX-Request") and not version.is_working:
        # Made while the page waited: load the whole page again, so the report itself and
        # the steps that need it (publish, send for approval) show.
        response["HX-Refresh"] = "true"
    return response


def _done(request: HttpRequest, report: Report, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("insight:report", report.pk)


def _refused(request: HttpRequest, report: Report, exc: DomainError) -> HttpResponse:
    messages.error(request, str(exc))
    return redirect("insight:report", report.pk)


@require_POST
def report_refresh(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _writable(request, report_id)
    try:
        services.figures_refresh(report=report, actor=_person(request))
    except DomainError as exc:
        return _refused(request, report, exc)
    return _done(request, report, "The figures are being made again from today's data.")


@require_POST
def report_again(request: HttpRequest, report_id: int) -> HttpResponse:
    """A version that could not be made (the worker failed or stopped), made again as it
    was asked."""
    report = _writable(request, report_id)
    raw = request.POST.get("version", "")
    version = _shown_version(report, int(raw) if raw.isdigit() else None)
    if version is None:
        raise Http404
    try:
        services.version_again(version=version, actor=_person(request))
    except DomainError as exc:
        return _refused(request, report, exc)
    suffix = f"?version={version.number}" if version.number else ""
    messages.success(request, "The report is being made again.")
    return redirect(reverse("insight:report", args=[report.pk]) + suffix)


class WordsForm(forms.Form):
    commentary = forms.CharField(
        label="Commentary", required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="What the figures mean, what went well and what needs to change. Do not "
                  "name people or children: the report is checked before it goes out.")
    recommendations = forms.CharField(
        label="Recommendations", required=False, max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One a line. Each can become an action plan once the report is published.")
    revision = forms.IntegerField(widget=forms.HiddenInput)


@require_http_methods(["GET", "POST"])
def report_words(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _writable(request, report_id)
    form = WordsForm(request.POST or None, initial={
        "commentary": report.commentary, "recommendations": report.recommendations,
        "revision": report.revision})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.narrative_save(report=report, commentary=d["commentary"],
                                    recommendations=d["recommendations"],
                                    revision=d["revision"], actor=_person(request))
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, report, "Your words are saved. The files are being made "
                                          "again with them.")
    return render(request, "insight/report_words.html", {"report": report, "form": form})


# --------------------------------------------------------------------------- quotes


def _evidence(request: HttpRequest, report: Report) -> list[dict[str, Any]]:
    """The written evidence of the report's audits that the reader may open."""
    scope = services.scope_of(report)
    audits = list(scope.audits().filter(status__in=GRADED).select_related(
        "tool_version").order_by("submitted_at")[:300])
    may_open = openable_audit_ids(request.user, [a.pk for a in audits])
    audits = [a for a in audits if a.pk in may_open]
    themes = dict(CycleCase.objects.filter(audit__in=audits).exclude(cycle__theme="")
                  .values_list("audit_id", "cycle__theme"))
    titles = {}
    for a in audits:
        for s in a.tool_version.sections:
            titles[(a.pk, s["key"])] = s.get("title") or s["key"]
    rows = Answer.objects.filter(audit__in=audits, question_key=Answer.EVIDENCE).exclude(
        value__isnull=True).order_by("audit_id", "section_key", "item")
    out = []
    for row in rows:
        text = row.value if isinstance(row.value, str) else ""
        if not text.strip():
            continue
        out.append({"audit_id": row.audit_id, "section": titles.get(
            (row.audit_id, row.section_key), row.section_key),
            "theme": themes.get(row.audit_id, ""), "text": text.strip(),
            "answer_id": row.pk})
    if out:
        log_access_many(request, object_type="audit",
                        object_ids=sorted({r["audit_id"] for r in out}))
    return out


class QuoteForm(forms.Form):
    answer = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label="Words to quote", max_length=services.EXCERPT_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))
    strength = forms.TypedChoiceField(
        label="Quote it as", coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("yes", "A strength"), ("no", "An area for development")])


@require_http_methods(["GET", "POST"])
def report_quotes(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _writable(request, report_id)
    if not report.status_in("editable"):
        messages.error(request, "Quotes are chosen while the report is a draft.")
        return redirect("insight:report", report.pk)
    evidence = _evidence(request, report)
    form = QuoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = next((e for e in evidence if e["answer_id"] == d["answer"]), None)
        if chosen is None:
            form.add_error(None, "That evidence is no longer in this report's audits. "
                                 "Choose another.")
        elif " ".join(d["text"].split()) not in " ".join(chosen["text"].split()):
            form.add_error("text", "Quote the auditor's own words: cut the evidence down, "
                                   "do not change it.")
        else:
            person = _person(request)
            assert person is not None
            try:
                services.excerpt_add(report=report, audit_id=chosen["audit_id"],
                                     section=chosen["section"], theme=chosen["theme"],
                                     text=d["text"], strength=d["strength"], actor=person)
            except DomainError as exc:
                form.add_error("text", str(exc))
            else:
                messages.success(request, "The quote is added to the report.")
                return redirect("insight:report_quotes", report.pk)
    return render(request, "insight/report_quotes.html", {
        "report": report, "evidence": evidence, "form": form,
        "excerpts": list(report.excerpts.all()),
        "posted_answer": form.data.get("answer") if form.is_bound else None,
    })


@require_POST
def report_quote_remove(request: HttpRequest, report_id: int, excerpt_id: int) -> HttpResponse:
    report = _writable(request, report_id)
    excerpt = ReportExcerpt.objects.filter(report=report, pk=excerpt_id).first()
    if excerpt is None:  # removed already (a double click)
        return redirect("insight:report_quotes", report.pk)
    person = _person(request)
    assert person is not None
    try:
        services.excerpt_remove(excerpt=excerpt, actor=person)
    except DomainError as exc:
        return _refused(request, report, exc)
    messages.success(request, "The quote is taken out of the report.")
    return redirect("insight:report_quotes", report.pk)


# --------------------------------------------------------------------------- approval


@require_POST
def report_send(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _writable(request, report_id)
    person = _person(request)
    assert person is not None
    try:
        services.submit_for_approval(report=report, actor=person)
    except DomainError as exc:
        return _refused(request, report, exc)
    return _done(request, report, "The report is sent for approval.")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}))


@require_http_methods(["GET", "POST"])
def report_publish(request: HttpRequest, report_id: int) -> HttpResponse:
    """Publish (or approve and publish). A reissue asks for its reason."""
    report = _readable(request, report_id)
    person = _person(request)
    if not (services.may_write(report, person) or services.may_approve(report, person)):
        raise Http404
    assert person is not None
    reissue = report.versions.filter(number__gt=0).exists()
    form = ReasonForm(request.POST or None) if reissue else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            services.publish(report=report, actor=person,
                             reason=form.cleaned_data["reason"] if form else "")
        except DomainError as exc:
            if form is None:
                return _refused(request, report, exc)
            form.add_error(None, str(exc))
        else:
            return _done(request, report, "The report is published and its readers are "
                                          "told. Its files are being made.")
    if form is None:
        return redirect("insight:report", report.pk)
    return render(request, "insight/report_reason.html", {
        "report": report, "form": form, "title": "Reissue the report",
        "intro": "Say why it is reissued: readers see the reason beside the new version.",
        "submit": "Reissue the report"})


@require_http_methods(["GET", "POST"])
def report_return(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _readable(request, report_id)
    person = _person(request)
    if not services.may_approve(report, person):
        raise Http404
    assert person is not None
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.return_to_draft(report=report, actor=person,
                                     reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, report, "The report is returned to its writer.")
    return render(request, "insight/report_reason.html", {
        "report": report, "form": form, "title": "Return the report",
        "intro": "Say what needs to change before you approve it.",
        "submit": "Return the report"})


@require_http_methods(["GET", "POST"])
def report_reopen(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _writable(request, report_id)
    person = _person(request)
    assert person is not None
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen(report=report, actor=person, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, report, "The report is a draft again. The published "
                                          "version stays as it was until you reissue it.")
    return render(request, "insight/report_reason.html", {
        "report": report, "form": form, "title": "Open the report to reissue it",
        "intro": "Say why it is to be reissued (a correction, late audits). The published "
                 "version stays as it was until the new one is published.",
        "submit": "Open it as a draft"})


# --------------------------------------------------------------------------- files


@require_GET
def report_download(request: HttpRequest, report_id: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    report = _readable(request, report_id)
    raw = request.GET.get("version", "")
    version = _shown_version(report, int(raw) if raw.isdigit() else None)
    if version is None:
        raise Http404
    data = getattr(version, fmt)
    if not version.is_ready or data is None:
        messages.error(request, "The report's files are still being made. Wait until the "
                                "page says they are ready, then download again.")
        return redirect("insight:report", report.pk)
    content_type, ext = FORMATS[fmt]
    doc = _document(report, version)
    assert doc is not None
    name = layout.filename(doc, ext)
    if version.number == 0:
        name = name.replace(f".{ext}", f"-draft.{ext}")
    log_access(request, object_type="report", object_id=f"{report.pk}:{version.number}",
               action="export")
    response = HttpResponse(bytes(data), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("", report_list, name="report_list"),
    path("<int:report_id>/", report_detail, name="report"),
    path("<int:report_id>/progress", report_status, name="report_status"),
    path("<int:report_id>/figures", report_refresh, name="report_refresh"),
    path("<int:report_id>/again", report_again, name="report_again"),
    path("<int:report_id>/words", report_words, name="report_words"),
    path("<int:report_id>/quotes", report_quotes, name="report_quotes"),
    path("<int:report_id>/quotes/<int:excerpt_id>/remove", report_quote_remove,
         name="report_quote_remove"),
    path("<int:report_id>/approval", report_send, name="report_send"),
    path("<int:report_id>/return", report_return, name="report_return"),
    path("<int:report_id>/publish", report_publish, name="report_publish"),
    path("<int:report_id>/reopen", report_reopen, name="report_reopen"),
    path("<int:report_id>/download/<str:fmt>", report_download, name="report_download"),
]
