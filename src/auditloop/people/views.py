"""Staff directory, a person's page, editing staff and the council's structure, keep-alive."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db import models
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.common.access import capability_required
from auditloop.common.errors import DomainError
from auditloop.people import forms, selectors, services
from auditloop.people.models import JobTitle, Locality, Person, Service, Team
from auditloop.people.roles import Capability, Role


@require_GET
@capability_required(Capability.VIEW_STAFF)
def staff_list(request: HttpRequest) -> HttpResponse:
    team_id = request.GET.get("team") or None
    role = request.GET.get("role") or None
    if role not in Role.values:
        role = None
    people = selectors.staff_directory(
        team_id=int(team_id) if team_id and team_id.isdigit() else None, role=role
    )
    return render(
        request,
        "people/staff_list.html",
        {"people": people, "teams": Team.objects.all(), "roles": Role.choices,
         "team_id": team_id, "role": role},
    )


@require_GET
def staff_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.get_person_for_user(request.user, person_id)
    return render(
        request,
        "people/staff_detail.html",
        {
            "person": person,
            "absences": person.absences.order_by("-starts_on")[:20],
            "training": person.training.order_by("-recorded_on", "-id"),
            "reports": person.reports.select_related("team").order_by("full_name"),
            "can_edit": request.user.has_capability(Capability.MANAGE_STAFF),  # type: ignore[union-attr]
        },
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_STAFF)
def staff_edit(request: HttpRequest, person_id: int | None = None) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id) if person_id else None
    title = f"Change {person.full_name}'s record" if person else "Add a member of staff"
    form = forms.PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            # A fresh copy: the form has written what was entered onto its own instance.
            saved = services.person_save(
                person=Person.objects.get(pk=person.pk) if person else None,
                actor=request.user,  # type: ignore[arg-type]
                extra_roles=form.cleaned_data["extra_roles"],
                **{k: form.cleaned_data[k] for k in _PERSON_FIELDS},
            )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"{saved.full_name}'s record is saved.")
            return redirect("people:staff_detail", saved.pk)
    return render(request, "people/form.html", {"form": form, "title": title,
                                                 "cancel": "people:staff_list"})


_PERSON_FIELDS = (
    "staff_number", "full_name", "email", "job_title", "team", "line_manager", "agency",
    "agency_type", "is_active", "username", "entra_subject",
)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_STAFF)
def absence_new(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    form = forms.AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.absence_record(
                person=person, actor=request.user,  # type: ignore[arg-type]
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"Absence recorded for {person.full_name}.")
            return redirect("people:staff_detail", person.pk)
    return render(request, "people/form.html", {
        "form": form, "title": "Record an absence", "caption": person.full_name})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_STAFF)
def training_new(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    form = forms.TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.training_record(
            person=person, actor=request.user,  # type: ignore[arg-type]
            **form.cleaned_data,
        )
        messages.success(request, f"Auditor training recorded for {person.full_name}.")
        return redirect("people:staff_detail", person.pk)
    return render(request, "people/form.html", {
        "form": form, "title": "Record auditor training", "caption": person.full_name})


@require_GET
@capability_required(Capability.MANAGE_STAFF)
def structure(request: HttpRequest) -> HttpResponse:
    """The council's structure: teams, services, localities and job titles, all editable."""
    return render(
        request,
        "people/structure.html",
        {
            "teams": selectors.teams_with_counts(),
            "services": Service.objects.all(),
            "localities": Locality.objects.all(),
            "job_titles": JobTitle.objects.prefetch_related("role_rows"),
        },
    )


# One edit view serves each piece of the council's structure; each is saved by its service,
# called with the form's fields.
_STRUCTURE: dict[str, tuple[type[models.Model], type[ModelForm], Callable[..., Any], str]] = {
    "team": (Team, forms.TeamForm, services.team_save, "team"),
    "service": (Service, forms.ServiceForm, services.service_save, "service"),
    "locality": (Locality, forms.LocalityForm, services.locality_save, "locality"),
}


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_STAFF)
def structure_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    if kind not in _STRUCTURE:
        raise Http404
    model, form_class, save, noun = _STRUCTURE[kind]
    instance: Any = get_object_or_404(model, pk=pk) if pk else None
    title = f"Change the {noun} {instance}" if instance else f"Add a {noun}"
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(
                **{kind: model._default_manager.get(pk=pk) if pk else None},
                actor=request.user, **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"The {noun} {saved} is saved.")
            return redirect("people:structure")
    return render(request, "people/form.html", {"form": form, "title": title,
                                                 "cancel": "people:structure"})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_STAFF)
def job_title_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(JobTitle, pk=pk) if pk else None
    title = f"Change the job title {instance}" if instance else "Add a job title"
    form = forms.JobTitleForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.job_title_save(
                job_title=JobTitle.objects.get(pk=pk) if pk else None,
                actor=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"], roles=form.cleaned_data["roles"],
            )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"The job title {saved} is saved.")
            return redirect("people:structure")
    return render(request, "people/form.html", {"form": form, "title": title,
                                                 "cancel": "people:structure"})


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Changing the session saves it, which restarts the server's idle clock (people.sessions)."""
    request.session["keep_alive"] = True
    return JsonResponse({"status": "ok"})
