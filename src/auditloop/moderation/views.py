"""Moderation's pages: a moderator's reviews and the review itself (blind first), the QA
manager's sample for a cycle, the panel's meeting, the agreement figures, auditors' records
and calibration exercises. Views parse, authorise, call one service or selector, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.actions.selectors import made_from, may_make_plans
from auditloop.audits.selectors import openable_audit_ids
from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import create_once
from auditloop.common.models import AccessLog
from auditloop.moderation import forms, selectors, services
from auditloop.moderation.comparison import comparison
from auditloop.moderation.models import (
    OVERALL,
    CalibrationExercise,
    ModerationReview,
    ModerationSample,
    SampledAudit,
)
from auditloop.people.models import Person
from auditloop.people.roles import Capability
from auditloop.programme.models import Cycle
from auditloop.standards.seeds import seed_title
from auditloop.standards.selectors import framework_settings_row

RUN = Capability.RUN_CYCLE


def _form_page(request: HttpRequest, form: Any, *, title: str, submit: str, cancel: str,
               caption: str = "", intro: str = "") -> HttpResponse:
    """The one form page of moderation's small steps (a reason, a choice, a note)."""
    return render(request, "moderation/form.html", {
        "form": form, "title": title, "caption": caption, "submit": submit,
        "cancel": cancel, "intro": intro}, status=400 if form.errors else 200)


def _log_audits(request: HttpRequest, audit_ids: list[int]) -> None:
    """The audits a page lists, once each, in one insert."""
    log_access_many(request, object_type="audit", action=AccessLog.Action.LIST,
                    object_ids=list(dict.fromkeys(audit_ids)))


def _person(request: HttpRequest) -> Person | None:
    return request.user.person_or_none  # type: ignore[union-attr]


def _actor(request: HttpRequest) -> Person:
    person = _person(request)
    if person is None:
        raise PermissionDenied
    return person


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _panel_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The moderation panel (MODERATE, or a panel role of the framework) and the QA
    manager; 403 for everyone else."""
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not user.is_authenticated or not (user.has_capability(RUN)
                                             or selectors.may_moderate(user)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# A moderator's reviews ------------------------------------------------------------------


@require_GET
@_panel_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    reviews = list(selectors.reviews_for_moderator(person=person)) if person else []
    _log_audits(request, [r.audit_id for r in reviews])
    user: Any = request.user
    return render(request, "moderation/my_reviews.html", {
        "reviews": reviews, "runs_cycle": user.has_capability(RUN),
        "cycles": list(selectors.recent_cycles()) if user.has_capability(RUN) else [],
    })


def _review_page(request: HttpRequest, review: ModerationReview, errors: dict[str, str],
                 status: int = 200) -> HttpResponse:
    audit = review.audit
    sections = services.graded_sections(audit.tool_version, audit=audit)
    user: Any = request.user
    person = _person(request)
    is_mine = person is not None and review.moderator_id == person.pk
    context: dict[str, Any] = {
        "review": review, "audit": audit, "case": audit.case, "sections": sections,
        "errors": errors, "page_has_errors": bool(errors), "is_mine": is_mine,
        "posted": request.POST if request.method == "POST" else {},
        "overall_key": OVERALL, "runs_cycle": user.has_capability(RUN),
    }
    if not review.is_blind:
        grades = list(review.grades.all())
        by_key = {s.key: s for s in services.graded_sections(audit.tool_version)}
        context["rows"] = [(g, by_key.get(g.section_key)) for g in grades]
        # The auditor's answers and evidence: for the moderator while they compare (need to
        # know ends with the review), for the QA manager reading it whenever.
        if review.is_comparing or (not is_mine and user.has_capability(RUN)):
            context["sides"] = comparison(review)
        # The audit page itself, where the audits' own rule opens it for this person (for
        # the moderator: while the review is open and no longer blind).
        if audit.pk in openable_audit_ids(user, [audit.pk]):
            context["audit_url"] = reverse("audits:audit_detail", args=[audit.pk])
    return render(request, "moderation/review.html", context, status=status)


@require_GET
def review(request: HttpRequest, review_id: int) -> HttpResponse:
    found = selectors.get_review_for_user(request.user, review_id)
    log_access(request, object_type="audit", object_id=found.audit_id)
    return _review_page(request, found, {})


@require_POST
def review_blind(request: HttpRequest, review_id: int) -> HttpResponse:
    found = selectors.get_review_for_user(request.user, review_id)
    person = _actor(request)
    if found.moderator_id != person.pk:
        raise PermissionDenied
    log_access(request, object_type="audit", object_id=found.audit_id)
    sections = services.graded_sections(found.audit.tool_version, audit=found.audit)
    try:
        services.review_save_blind(review=found, actor=person,
                                   grades=forms.posted_grades(request.POST, sections),
                                   evidence=request.POST.get("evidence", ""))
    except DomainError as exc:
        found.refresh_from_db()
        return _review_page(request, found, {exc.field or "main-content": exc.message},
                            status=400)
    messages.success(request, "Your grades are saved. Now compare them with the auditor's.")
    return redirect("moderation:review", found.pk)


@require_POST
def review_complete(request: HttpRequest, review_id: int) -> HttpResponse:
    found = selectors.get_review_for_user(request.user, review_id)
    person = _actor(request)
    if found.moderator_id != person.pk:
        raise PermissionDenied
    log_access(request, object_type="audit", object_id=found.audit_id)
    keys = list(found.grades.values_list("section_key", flat=True))
    try:
        services.review_complete(review=found, actor=person,
                                 decisions=forms.posted_decisions(request.POST, keys))
    except DomainError as exc:
        found.refresh_from_db()
        return _review_page(request, found, {exc.field or "main-content": exc.message},
                            status=400)
    messages.success(request, "The moderation of this audit is complete.")
    return redirect("moderation:my_reviews")


# The QA manager's sample ----------------------------------------------------------------


def _sample_page(request: HttpRequest, cycle_id: int, errors: list[str] | None = None,
                 status: int = 200, draw_form: Any = None) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    sample = selectors.sample_of(cycle)
    submitted = services.cycle_submitted_audits(cycle)
    rows = selectors.sample_rows(sample) if sample else []
    removed = list(selectors.removed_rows(sample)) if sample else []
    _log_audits(request, [r.audit_id for r in [*rows, *removed]])
    return render(request, "moderation/sample.html", {
        "cycle": cycle, "sample": sample, "rows": rows, "removed": removed,
        "draw": sample.draws.first() if sample else None,
        "submitted": len(submitted), "settings": framework_settings_row(),
        "started": services.reviews_started(sample) if sample else False,
        "draw_form": draw_form or forms.DrawForm(initial={"mode": "one_by_one"}),
        "mode_form": forms.ModeForm(initial={"mode": sample.mode}) if sample else None,
        "errors": errors or [], "page_has_errors": bool(errors),
    }, status=status)


@require_GET
@capability_required(RUN)
def sample(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _sample_page(request, cycle_id)


@require_POST
@capability_required(RUN)
def sample_draw(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    form = forms.DrawForm(request.POST)
    if selectors.sample_of(cycle) is not None:
        return _sample_page(request, cycle_id, ["The sample is drawn already. To draw it "
                                                "again, give a reason."], status=400)
    if not form.is_valid():
        return _sample_page(request, cycle_id, status=400, draw_form=form)
    try:
        services.sample_draw(cycle=cycle, actor=_person(request),
                             mode=form.cleaned_data["mode"])
    except DomainError as exc:
        return _sample_page(request, cycle_id, [exc.message], status=400)
    messages.success(request, "The moderation sample is drawn and its moderators allocated.")
    return redirect("moderation:sample", cycle.pk)


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def sample_redraw(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    current = selectors.sample_of(cycle)
    if current is None:
        return _sample_page(request, cycle_id, ["Draw the sample first."], status=400)
    if services.reviews_started(current):
        return _sample_page(request, cycle_id, [
            "A moderator has graded an audit of this sample, so it cannot be drawn again. "
            "Add or take out audits instead."], status=400)
    form = forms.RedrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.sample_draw(cycle=cycle, actor=_person(request),
                                 reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The sample is drawn again.")
            return redirect("moderation:sample", cycle.pk)
    return _form_page(request, form, title="Draw the sample again", caption=cycle.title,
                      submit="Draw again", cancel=reverse("moderation:sample", args=[cycle.pk]),
                      intro="The audits drawn at random and the disputed ones are replaced; "
                            "audits you added stay. The reason is kept with the draw.")


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def sample_add(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    current = selectors.sample_of(cycle)
    if current is None:
        return _sample_page(request, cycle_id, ["Draw the sample first."], status=400)
    choices = [(a.pk, f"Audit {a.pk} ({a.get_status_display().lower()})")
               for a in selectors.addable_audits(current)]
    form = forms.AddAuditForm(_posted(request), choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            audit = next(a for a in selectors.addable_audits(current)
                         if a.pk == form.cleaned_data["audit"])
            services.sample_add(sample=current, audit=audit, actor=_person(request),
                                reason=form.cleaned_data["reason"])
        except StopIteration:
            form.add_error("audit", "Choose a submitted audit of this cycle")
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The audit is added to the sample.")
            return redirect("moderation:sample", cycle.pk)
    return _form_page(request, form, title="Add an audit to the sample", caption=cycle.title,
                      submit="Add it", cancel=reverse("moderation:sample", args=[cycle.pk]),
                      intro="" if choices else
                      "Every submitted audit of this cycle is in the sample.")


def _current_sampled(request: HttpRequest, cycle_id: int, sampled_id: int, out: str
                     ) -> tuple[Cycle, SampledAudit] | HttpResponse:
    """The cycle and one audit still in its sample, or the sample page saying it is out."""
    cycle = selectors.get_cycle(cycle_id)
    current = selectors.sample_of(cycle)
    if current is None:
        raise Http404
    row = selectors.get_sampled(current, sampled_id)
    if not row.is_current:
        return _sample_page(request, cycle_id, [out], status=400)
    return cycle, row


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def sample_remove(request: HttpRequest, cycle_id: int, sampled_id: int) -> HttpResponse:
    found = _current_sampled(request, cycle_id, sampled_id,
                             "This audit is out of the sample already.")
    if isinstance(found, HttpResponse):
        return found
    cycle, row = found
    form = forms.ReasonForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.sample_remove(sampled=row, actor=_person(request),
                                   reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Audit {row.audit_id} is taken out of the sample.")
            return redirect("moderation:sample", cycle.pk)
    return _form_page(request, form, title=f"Take audit {row.audit_id} out of the sample",
                      caption=cycle.title, submit="Take it out",
                      cancel=reverse("moderation:sample", args=[cycle.pk]))


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def reassign(request: HttpRequest, cycle_id: int, sampled_id: int) -> HttpResponse:
    found = _current_sampled(request, cycle_id, sampled_id, "This audit is out of the sample.")
    if isinstance(found, HttpResponse):
        return found
    cycle, row = found
    options = services.moderator_choices(row)
    choices = [(p.pk, p.full_name + (f" (cannot: {'; '.join(why)})" if why else ""))
               for p, why in options]
    form = forms.ReassignForm(_posted(request), choices=choices)
    if request.method == "POST" and form.is_valid():
        person = next(p for p, _ in options if p.pk == form.cleaned_data["person"])
        try:
            services.moderator_reassign(sampled=row, person=person, actor=_person(request),
                                        reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"Audit {row.audit_id} goes to {person.full_name}.")
            return redirect("moderation:sample", cycle.pk)
    return _form_page(request, form,
                      title=f"Choose another moderator for audit {row.audit_id}",
                      caption=cycle.title, submit="Reassign",
                      cancel=reverse("moderation:sample", args=[cycle.pk]),
                      intro="Nobody may moderate an audit of a case they were involved with, "
                            "hold or line-manage, or an audit they did. The new moderator "
                            "grades blind from the start.")


@require_POST
@capability_required(RUN)
def sample_mode(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = selectors.get_cycle(cycle_id)
    current = selectors.sample_of(cycle)
    if current is None:
        return _sample_page(request, cycle_id, ["Draw the sample first."], status=400)
    form = forms.ModeForm(request.POST)
    if not form.is_valid():
        return _sample_page(request, cycle_id, ["Choose how the panel moderates."], status=400)
    services.sample_mode_set(sample=current, mode=form.cleaned_data["mode"],
                             actor=_person(request))
    messages.success(request, "Saved how the panel moderates this sample.")
    return redirect("moderation:sample", cycle.pk)


# The panel's meeting --------------------------------------------------------------------


def _meeting_page(request: HttpRequest, found: ModerationSample, form: Any = None,
                  errors: list[str] | None = None, status: int = 200) -> HttpResponse:
    panel = services.panel_members()
    meeting = getattr(found, "meeting", None) if hasattr(found, "meeting") else None
    initial = {"held_on": meeting.held_on, "others": meeting.others_attending,
               "record": meeting.record, "learning_points": meeting.learning_points,
               "attendees": [p.pk for p in meeting.attendees.all()]} if meeting else {}
    form = form or forms.MeetingForm(initial=initial,
                                     choices=[(p.pk, p.full_name) for p in panel])
    rows = selectors.sample_rows(found)
    _log_audits(request, [r.audit_id for r in rows])
    return render(request, "moderation/meeting.html", {
        "sample": found, "cycle": found.cycle, "rows": rows,
        "form": form, "meeting": meeting, "errors": errors or [],
        "made": made_from(source_key=f"moderation-sample:{found.pk}"),
        "may_make": may_make_plans(request.user),
        "page_has_errors": bool(errors) or bool(form.errors),
    }, status=status)


def _meeting_sample(request: HttpRequest, sample_id: int) -> ModerationSample | HttpResponse:
    found = selectors.get_sample_for_user(request.user, sample_id)
    if found.mode != ModerationSample.Mode.MEETING:
        return render(request, "moderation/message.html", {
            "title": "This sample is moderated one by one",
            "text": "Each moderator reviews their audits on their own. To hold a panel "
                    "meeting, the QA manager changes how the panel moderates on the sample's "
                    "page."}, status=400)
    return found


@require_GET
@_panel_required
def meeting(request: HttpRequest, sample_id: int) -> HttpResponse:
    found = _meeting_sample(request, sample_id)
    if isinstance(found, HttpResponse):
        return found
    return _meeting_page(request, found)


@require_POST
@_panel_required
def meeting_save(request: HttpRequest, sample_id: int) -> HttpResponse:
    found = _meeting_sample(request, sample_id)
    if isinstance(found, HttpResponse):
        return found
    panel = {p.pk: p for p in services.panel_members()}
    form = forms.MeetingForm(request.POST, choices=[(p.pk, p.full_name)
                                                    for p in panel.values()])
    if not form.is_valid():
        return _meeting_page(request, found, form=form, status=400)
    d = form.cleaned_data
    services.meeting_save(sample=found, actor=_person(request), held_on=d["held_on"],
                          attendees=[panel[i] for i in d["attendees"] if i in panel],
                          others=d["others"], record=d["record"],
                          learning_points=d["learning_points"])
    messages.success(request, "The meeting's record is saved.")
    return redirect("moderation:meeting", found.pk)


@require_POST
@_panel_required
def agenda_move(request: HttpRequest, sample_id: int, sampled_id: int) -> HttpResponse:
    found = _meeting_sample(request, sample_id)
    if isinstance(found, HttpResponse):
        return found
    row = selectors.get_sampled(found, sampled_id)
    try:
        services.agenda_move(sampled=row, up=request.POST.get("direction") == "up",
                             actor=_person(request))
    except DomainError as exc:
        return _meeting_page(request, found, errors=[exc.message], status=400)
    return redirect(reverse("moderation:meeting", args=[found.pk]) + f"#item-{row.pk}")


@require_http_methods(["GET", "POST"])
@_panel_required
def discussion(request: HttpRequest, sample_id: int, sampled_id: int) -> HttpResponse:
    found = _meeting_sample(request, sample_id)
    if isinstance(found, HttpResponse):
        return found
    row = selectors.get_sampled(found, sampled_id)
    form = forms.DiscussionForm(_posted(request), initial={"note": row.discussion})
    if request.method == "POST" and form.is_valid():
        try:
            services.discussion_save(sampled=row, actor=_person(request),
                                     note=form.cleaned_data["note"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"The panel's note on audit {row.audit_id} is saved.")
            return redirect(reverse("moderation:meeting", args=[found.pk]) + f"#item-{row.pk}")
    return _form_page(request, form, title=f"The panel's note on audit {row.audit_id}",
                      caption=found.cycle.title, submit="Save the note",
                      cancel=reverse("moderation:meeting", args=[found.pk]))


# Agreement ------------------------------------------------------------------------------


@require_GET
@capability_required(RUN, Capability.VIEW_REPORTS, Capability.MODERATE)
def agreement(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    by_auditor = user.has_capability(RUN)
    report = selectors.agreement_report(today=timezone.localdate(), by_auditor=by_auditor)
    return render(request, "moderation/agreement.html", {
        "report": report, "by_auditor": by_auditor,
        # 004 names the auditors to mentor "audit champions": cited by the note's title.
        "champions_source": seed_title("004")})


# Auditors' records ----------------------------------------------------------------------


@require_GET
@capability_required(RUN)
def auditor_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.auditor_figures(selectors.auditors(), today=timezone.localdate())
    return render(request, "moderation/auditor_list.html", {
        "rows": rows, "settings": framework_settings_row()})


@require_GET
def auditor_record(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.get_auditor_for_user(request.user, person_id)
    user: Any = request.user
    figures = selectors.auditor_figures([person], today=timezone.localdate())[0]
    shadow = list(selectors.shadow_audits(person)[:50])
    _log_audits(request, [a.audit_id for a in shadow])
    return render(request, "moderation/auditor_record.html", {
        "person": person, "figures": figures,
        "training": list(selectors.training_history(person)),
        "shadow": shadow,
        "calibrations": selectors.calibrations_of(person),
        "settings": framework_settings_row(),
        "may_record_training": user.has_capability(Capability.MANAGE_STAFF),
    })


# Calibration ----------------------------------------------------------------------------


@require_GET
def calibration_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return render(request, "moderation/calibration_list.html", {
        "exercises": list(selectors.exercises_for(user)), "runs_cycle": user.has_capability(RUN),
    })


@require_http_methods(["GET", "POST"])
@capability_required(RUN)
def calibration_new(request: HttpRequest) -> HttpResponse:
    from auditloop.audits.selectors import auditor_pool, case_audit_tool_versions

    tools = case_audit_tool_versions()
    people = list(auditor_pool())
    form = forms.CalibrationForm(_posted(request), tools=tools,
                                 people=[(p.pk, p.full_name) for p in people])
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        chosen = [p for p in people if p.pk in set(d["participants"])]
        try:
            exercise, _ = create_once(form.token, CalibrationExercise,
                                      lambda: services.calibration_create(
                actor=_person(request), title=d["title"],
                tool_version=next(v for v in tools if v.pk == d["tool_version"]),
                vignette=d["vignette"], participants=chosen or None))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "The calibration exercise is set up and the auditors "
                                      "are told.")
            return redirect("moderation:calibration_results", exercise.pk)
    return _form_page(request, form, title="Set up a calibration exercise", submit="Set it up",
                      cancel=reverse("moderation:calibration_list"),
                      intro="Every auditor grades the same anonymised case. Nobody sees the "
                            "others' grades until theirs are in.")


def _exercise_for(request: HttpRequest, exercise_id: int) -> CalibrationExercise:
    exercise = selectors.get_exercise(exercise_id)
    user: Any = request.user
    if selectors.participant_of(exercise, _person(request)) is None and not (
            user.has_capability(RUN) or user.has_capability(Capability.MODERATE)):
        raise Http404
    return exercise


def _calibration_page(request: HttpRequest, exercise: CalibrationExercise,
                      errors: dict[str, str], status: int = 200) -> HttpResponse:
    return render(request, "moderation/calibration_detail.html", {
        "exercise": exercise, "sections": services.graded_sections(exercise.tool_version),
        "mine": selectors.participant_of(exercise, _person(request)),
        "may_see_results": selectors.may_see_results(request.user, exercise),
        "errors": errors, "page_has_errors": bool(errors),
        "posted": request.POST if request.method == "POST" else {}}, status=status)


@require_GET
def calibration_detail(request: HttpRequest, exercise_id: int) -> HttpResponse:
    return _calibration_page(request, _exercise_for(request, exercise_id), {})


@require_POST
def calibration_grade(request: HttpRequest, exercise_id: int) -> HttpResponse:
    exercise = _exercise_for(request, exercise_id)
    mine = selectors.participant_of(exercise, _person(request))
    if mine is None:
        raise PermissionDenied
    sections = services.graded_sections(exercise.tool_version)
    try:
        services.calibration_submit(participant=mine, actor=_actor(request),
                                    grades=forms.posted_grades(request.POST, sections))
    except DomainError as exc:
        return _calibration_page(request, exercise, {exc.field or "main-content": exc.message},
                                 status=400)
    messages.success(request, "Your grades are in. Here is how everyone graded.")
    return redirect("moderation:calibration_results", exercise.pk)


@require_GET
def calibration_results(request: HttpRequest, exercise_id: int) -> HttpResponse:
    exercise = _exercise_for(request, exercise_id)
    if not selectors.may_see_results(request.user, exercise):
        raise PermissionDenied
    spreads, graded = selectors.spread(exercise)
    user: Any = request.user
    return render(request, "moderation/calibration_results.html", {
        "exercise": exercise, "spreads": spreads, "graded": graded,
        "invited": exercise.participants.count(), "runs_cycle": user.has_capability(RUN),
        "may_set_reference": _may_set_reference(request, exercise),
        "participants": list(exercise.participants.select_related("person")
                             .order_by("person__full_name"))
        if user.has_capability(RUN) else []})


def _may_set_reference(request: HttpRequest, exercise: CalibrationExercise) -> bool:
    user: Any = request.user
    return bool((user.has_capability(RUN) or user.has_capability(Capability.MODERATE))
                and selectors.may_see_results(user, exercise))


@require_http_methods(["GET", "POST"])
def calibration_reference(request: HttpRequest, exercise_id: int) -> HttpResponse:
    exercise = _exercise_for(request, exercise_id)
    if not _may_set_reference(request, exercise):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if request.method == "POST":
        sections = services.graded_sections(exercise.tool_version)
        try:
            services.calibration_reference_set(
                exercise=exercise, actor=_person(request),
                grades=forms.posted_grades(request.POST, sections),
                note=request.POST.get("note", ""))
        except DomainError as exc:
            errors = {exc.field or "main-content": exc.message}
        else:
            messages.success(request, "The panel's agreed grades are saved.")
            return redirect("moderation:calibration_results", exercise.pk)
    return render(request, "moderation/calibration_reference.html", {
        "exercise": exercise, "sections": services.graded_sections(exercise.tool_version),
        "errors": errors, "page_has_errors": bool(errors),
        "posted": request.POST if request.method == "POST" else exercise.reference_grades,
    }, status=400 if errors else 200)


@require_POST
@capability_required(RUN)
def calibration_close(request: HttpRequest, exercise_id: int) -> HttpResponse:
    exercise = selectors.get_exercise(exercise_id)
    try:
        services.calibration_close(exercise=exercise, actor=_person(request))
    except DomainError as exc:
        return render(request, "moderation/message.html", {
            "title": "This exercise is closed", "text": exc.message,
            "back": reverse("moderation:calibration_results", args=[exercise.pk]),
            "back_text": "Back to the spread of grades"}, status=400)
    messages.success(request, "The exercise is closed.")
    return redirect("moderation:calibration_results", exercise.pk)
