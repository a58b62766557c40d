"""Staff directory, a person's page, teams, and the session keep-alive."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from auditloop.common.access import capability_required
from auditloop.people import selectors
from auditloop.people.models import Team
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
        },
    )


@require_GET
@capability_required(Capability.MANAGE_STAFF)
def team_list(request: HttpRequest) -> HttpResponse:
    return render(request, "people/team_list.html", {"teams": selectors.teams_with_counts()})


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Touching the session restarts the idle timer (SESSION_SAVE_EVERY_REQUEST)."""
    request.session["keep_alive"] = True
    return JsonResponse({"status": "ok"})
