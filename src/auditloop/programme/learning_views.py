"""Learning sessions' pages (002): the QA manager plans the monthly reflective session or
the post-audit briefing, sends the invitations, records the session, who came and what was
co-produced (kept as findings or action plans); invitees see their invitation and the
record; those who read reports read every record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.common.access import capability_required
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import IdempotentForm, create_once
from auditloop.common.widgets import staff_select
from auditloop.people.roles import Capability
from auditloop.programme import loop, services
from auditloop.programme.forms import DateInput
from auditloop.programme.models import LearningImprovement, LearningSession
from auditloop.programme.services.learning import kinds_enabled
from auditloop.programme.views import form_error, person_of, posted

RUN = Capability.RUN_CYCLE
K = LearningSession.Kind


class TimeInput(forms.TimeInput):
    input_type = "time"


class SessionForm(IdempotentForm):
    kind = forms.ChoiceField(widget=forms.RadioSelect, label="Kind of session",
                             error_messages={"required": "Choose the kind of session"})
    held_on = forms.DateField(widget=DateInput, label="Date",
                              error_messages={"required": "Enter the date of the session",
                                              "invalid": "Enter a real date"})
    starts_at = forms.TimeField(widget=TimeInput, required=False, label="Start time (optional)")
    place = forms.CharField(max_length=300, required=False, label="Place",
                            help_text="Where it is held. Leave empty if it is online only.")
    online_link = forms.URLField(max_length=500, required=False, label="Link to join online",
                                 error_messages={"invalid": "Enter a full web address, "
                                                            "starting https://"})
    cycles = forms.TypedMultipleChoiceField(
        coerce=int, widget=forms.CheckboxSelectMultiple, required=False,
        label="Audits it looks at",
        help_text="Leave empty for the cycles that ended the month before the session.")

    def __init__(self, *args: Any, cycles: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enabled = kinds_enabled()
        self.fields["kind"].choices = [(k, label) for k, label in K.choices if k in enabled]  # type: ignore[attr-defined]
        self.fields["cycles"].choices = [(c.pk, c.title) for c in cycles]  # type: ignore[attr-defined]


class RecordForm(forms.Form):
    outcomes_summary = forms.CharField(widget=forms.Textarea, required=False,
                                       label="Summary of audit outcomes")
    good_practice = forms.CharField(widget=forms.Textarea, required=False,
                                    label="Good practice observed")
    insight = forms.CharField(widget=forms.Textarea, required=False,
                              label="Insight from those who were audited")
    process_feedback = forms.CharField(widget=forms.Textarea, required=False,
                                       label="Feedback on the audit process")


class ImprovementForm(IdempotentForm):
    text = forms.CharField(widget=forms.Textarea, required=False,
                           label="Practice improvement activity co-produced",
                           help_text="What will be done, by whom. No child's details.")


class FindingForm(forms.Form):
    tags = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, required=False,
                                     label="What kind of finding is it?")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from auditloop.actions.models import Finding

        self.fields["tags"].choices = Finding.Tag.choices  # type: ignore[attr-defined]


class PlanForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Title of the plan")
    strategic_lead = forms.TypedChoiceField(coerce=int, label="Strategic lead",
                                            widget=staff_select(),
                                            error_messages={"required": "Choose who leads it"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from auditloop.actions.selectors import lead_candidates

        self.fields["strategic_lead"].choices = [("", "Choose")] + [  # type: ignore[attr-defined]
            (p.pk, p.full_name) for p in lead_candidates()]


def _session(request: HttpRequest, session_id: int) -> LearningSession:
    return loop.get_learning_session_for_user(request.user, session_id)


def _improvement(session: LearningSession, improvement_id: int) -> LearningImprovement:
    row = session.improvements.filter(pk=improvement_id).first()
    if row is None:
        raise Http404
    return row


def _detail(request: HttpRequest, session: LearningSession, errors: list[str] | None = None,
            status: int = 200, improvement_form: ImprovementForm | None = None,
            ) -> HttpResponse:
    user: Any = request.user
    runs = user.has_capability(RUN)
    person = user.person_or_none
    rows = list(loop.invitations(session))
    mine = next((r for r in rows if person is not None and r.person_id == person.pk), None)
    return render(request, "programme/learning_detail.html", {
        "session": session, "runs": runs, "invitations": rows if runs or mine is None else [],
        "mine": mine, "cycles": list(session.cycles.all()),
        "improvements": list(loop.improvements(session)), "errors": errors or [],
        "held": session.held_on <= timezone.localdate(),
        "improvement_form": improvement_form or ImprovementForm(),
    }, status=status)


@require_GET
def learning_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    rows = list(loop.learning_sessions(user=user))
    today = timezone.localdate()
    return render(request, "programme/learning_list.html", {
        "upcoming": [s for s in rows if s.held_on >= today][::-1],
        "past": [s for s in rows if s.held_on < today],
        "runs": user.has_capability(RUN),
    })


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def learning_new(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    choices = loop.cycles_for_learning(on=today + dt.timedelta(days=366))
    form = SessionForm(posted(request), cycles=choices, initial={
        "cycles": [c.pk for c in loop.default_cycles(on=today, choices=choices)],
        "kind": (kinds_enabled() or [""])[0]})
    problems = [] if kinds_enabled() else [
        "The framework holds neither a monthly learning session nor a post-audit briefing. "
        "Change the framework's settings first."]
    if request.method == "POST" and not problems and form.is_valid():
        d = form.cleaned_data
        chosen = [c for c in choices if c.pk in set(d["cycles"])] or loop.default_cycles(
            on=d["held_on"], choices=choices)
        try:
            session, _ = create_once(form.token, LearningSession,
                                     lambda: services.learning_session_create(
                kind=d["kind"], held_on=d["held_on"], starts_at=d["starts_at"],
                place=d["place"], online_link=d["online_link"], cycles=chosen,
                actor=person_of(request)))
        except DomainError as exc:
            form_error(form, exc)
        else:
            n = session.invitations.count()
            messages.success(request, f"The session is planned and {n} "
                                      f"{'person is' if n == 1 else 'people are'} invited.")
            return redirect("programme:learning_detail", session.pk)
    return render(request, "programme/learning_new.html", {"form": form, "problems": problems},
                  status=400 if form.errors or problems else 200)


@require_GET
def learning_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    return _detail(request, _session(request, session_id))


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def learning_record(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    if session.held_on > timezone.localdate():
        return _detail(request, session, [f"The session is on {session.held_on:%-d %B %Y}: "
                                          "record it on or after that day."], status=400)
    form = RecordForm(posted(request), initial={
        "outcomes_summary": session.outcomes_summary, "good_practice": session.good_practice,
        "insight": session.insight, "process_feedback": session.process_feedback})
    if request.method == "POST" and form.is_valid():
        try:
            services.learning_session_record(session=session, actor=person_of(request),
                                             **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "The session's record is saved.")
            return redirect("programme:learning_detail", session.pk)
    return render(request, "programme/learning_record.html", {
        "form": form, "session": session,
    }, status=400 if form.errors else 200)


@require_POST
@capability_required(RUN)
def learning_attendance(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    try:
        ids = [int(v) for v in request.POST.getlist("attended")]
        came = services.learning_attendance_record(session=session, actor=person_of(request),
                                                   attended_ids=ids)
    except ValueError:
        return _detail(request, session, ["Choose people from the list of those invited."],
                       status=400)
    except DomainError as exc:
        return _detail(request, session, [exc.message], status=400)
    messages.success(request, f"Attendance saved: {came} came.")
    return redirect("programme:learning_detail", session.pk)


@require_POST
@capability_required(RUN)
def learning_improvement_add(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
    form = ImprovementForm(request.POST)
    if form.is_valid():
        try:
            create_once(form.token, LearningImprovement, lambda: services.learning_improvement_add(
                session=session, actor=person_of(request), text=form.cleaned_data["text"]))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, "The practice improvement activity is added.")
            return redirect("programme:learning_detail", session.pk)
    return _detail(request, session, [str(e) for errs in form.errors.values() for e in errs],
                   status=400, improvement_form=form)


def _improvement_step(request: HttpRequest, session_id: int, improvement_id: int, *,
                      form_class: type[forms.Form], title: str, submit: str, done_field: str,
                      run: Any, done: str) -> HttpResponse:
    session = _session(request, session_id)
    improvement = _improvement(session, improvement_id)
    if getattr(improvement, done_field) is not None:
        return _detail(request, session, [f"“{improvement.text[:60]}” {done}"], status=400)
    form = form_class(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            run(improvement, form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"Saved: it {done}")
            return redirect("programme:learning_detail", session.pk)
    return render(request, "programme/learning_improvement.html", {
        "form": form, "session": session, "improvement": improvement, "title": title,
        "submit": submit,
    }, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def learning_improvement_finding(request: HttpRequest, session_id: int,
                                 improvement_id: int) -> HttpResponse:
    return _improvement_step(
        request, session_id, improvement_id, form_class=FindingForm,
        title="Keep it as a finding", submit="Save the finding", done_field="finding_id",
        run=lambda imp, d: services.learning_improvement_to_finding(
            improvement=imp, actor=person_of(request), tags=d["tags"]),
        done="is kept as a finding.")


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def learning_improvement_plan(request: HttpRequest, session_id: int,
                              improvement_id: int) -> HttpResponse:
    def run(imp: LearningImprovement, d: dict[str, Any]) -> Any:
        from auditloop.actions.selectors import lead_candidates

        lead = lead_candidates().filter(pk=d["strategic_lead"]).first()
        if lead is None:
            raise DomainError("Choose who leads it.", field="strategic_lead")
        return services.learning_improvement_to_action_plan(
            improvement=imp, actor=person_of(request), title=d["title"], strategic_lead=lead)

    return _improvement_step(
        request, session_id, improvement_id, form_class=PlanForm,
        title="Turn it into an action plan", submit="Make the action plan",
        done_field="action_plan_id", run=run, done="has become an action plan.")
