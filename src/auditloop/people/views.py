"""Staff directory, a person's page, editing staff and the council's structure, keep-alive."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import models, transaction
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
    person = get_object_or_404(Person, pk=person_id) if person_id else Person()
    form = forms.PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved = services.person_save(
                    person=form.save(commit=False),
                    manager=form.cleaned_data["line_manager"],
                    extra_roles=form.cleaned_data["extra_roles"],
                )
                services.person_set_sign_in(
                    person=saved,
                    username=form.cleaned_data["username"],
                    entra_subject=form.cleaned_data["entra_subject"],
                    entra_issuer=settings.ENTRA_SERVER_URL,
                )
        except DomainError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, f"{saved.full_name}'s record is saved.")
            return redirect("people:staff_detail", saved.pk)
    title = f"Change {person.full_name}'s record" if person.pk else "Add a member of staff"
    return render(request, "people/form.html", {"form": form, "title": title,
                                                 "cancel": "people:staff_list"})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_STAFF)
def absence_new(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=person_id)
    form = forms.AbsenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.absence_record(person=person, **form.cleaned_data)
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
        services.training_record(person=person, **form.cleaned_data)
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


# One edit view serves each piece of the council's structure.
_STRUCTURE: dict[str, tuple[type[models.Model], type[ModelForm], str]] = {
    "team": (Team, forms.TeamForm, "team"),
    "service": (Service, forms.ServiceForm, "service"),
    "locality": (Locality, forms.LocalityForm, "locality"),
}


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_STAFF)
def structure_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    if kind not in _STRUCTURE:
        raise Http404
    model, form_class, noun = _STRUCTURE[kind]
    instance: Any = get_object_or_404(model, pk=pk) if pk else model()
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, f"The {noun} {saved} is saved.")
        return redirect("people:structure")
    title = f"Change the {noun} {instance}" if pk else f"Add a {noun}"
    return render(request, "people/form.html", {"form": form, "title": title,
                                                 "cancel": "people:structure"})


@require_http_methods(["GET", "POST"])
@capability_required(Capability.MANAGE_STAFF)
def job_title_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(JobTitle, pk=pk) if pk else JobTitle()
    form = forms.JobTitleForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        saved = services.job_title_save(
            job_title=form.save(commit=False), roles=form.cleaned_data["roles"]
        )
        messages.success(request, f"The job title {saved} is saved.")
        return redirect("people:structure")
    title = f"Change the job title {instance}" if pk else "Add a job title"
    return render(request, "people/form.html", {"form": form, "title": title,
                                                 "cancel": "people:structure"})


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Touching the session restarts the idle timer (SESSION_SAVE_EVERY_REQUEST)."""
    request.session["keep_alive"] = True
    return JsonResponse({"status": "ok"})
