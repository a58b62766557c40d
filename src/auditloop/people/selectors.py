"""Reads about people: directories, management subtrees, availability, training."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Prefetch, QuerySet

from auditloop.common import per_page
from auditloop.people.models import Absence, AuditorTraining, Person, Team
from auditloop.people.roles import Capability


def people_with_roles() -> QuerySet[Person]:
    return Person.objects.select_related("team", "job_title", "line_manager").prefetch_related(
        "role_rows", "job_title__role_rows"
    )


def staff_directory(*, team_id: int | None = None, role: str | None = None) -> QuerySet[Person]:
    qs = people_with_roles().prefetch_related(
        Prefetch("training", queryset=AuditorTraining.objects.order_by("-recorded_on", "-id"))
    )
    if team_id:
        qs = qs.filter(team_id=team_id)
    if role:
        qs = qs.filter(role_rows__role=role) | qs.filter(job_title__role_rows__role=role)
    return qs.distinct().order_by("full_name")


def _line_managed() -> dict[int, list[int]]:
    """Each line manager's id with the ids of the people they manage directly."""
    children: dict[int, list[int]] = defaultdict(list)
    for pid, manager_id in Person.objects.filter(line_manager__isnull=False).values_list(
        "id", "line_manager_id"
    ):
        children[manager_id].append(pid)
    return children


def management_subtree_ids(person: Person, *, max_depth: int | None = None) -> set[int]:
    """Everyone below a person in the line-management tree (not the person).

    One query for the whole tree: the tree has at most a few thousand rows. While the home
    page's panels are drawn, the tree is read once for all of them (common.per_page): a
    manager's audit, register, tracker and quality panels each ask for the subtree.
    """
    children = per_page.once("people.line_managed", _line_managed)
    found: set[int] = set()
    frontier = [person.pk]
    depth = 0
    while frontier and (max_depth is None or depth < max_depth):
        nxt: list[int] = []
        for pid in frontier:
            for child in children.get(pid, []):
                if child not in found:
                    found.add(child)
                    nxt.append(child)
        frontier = nxt
        depth += 1
    return found


def absent_between(start: dt.date, end: dt.date) -> set[int]:
    return set(
        Absence.objects.filter(starts_on__lte=end, ends_on__gte=start).values_list(
            "person_id", flat=True
        )
    )


def current_training_status(person: Person) -> str | None:
    latest = person.training.order_by("-recorded_on", "-id").first()
    return latest.status if latest else None


def teams_with_counts() -> QuerySet[Team]:
    from django.db.models import Count

    return Team.objects.select_related("service", "locality").annotate(
        member_count=Count("members", distinct=True)
    )


def get_person_for_user(user, person_id: int) -> Person:  # type: ignore[no-untyped-def]
    """A staff record, for those who may see it: the staff directory's readers, the person
    themselves, and their managers. 404 for missing and forbidden alike."""
    from django.http import Http404

    try:
        person = people_with_roles().get(pk=person_id)
    except Person.DoesNotExist as exc:
        raise Http404 from exc
    me = user.person_or_none
    if user.has_capability(Capability.VIEW_STAFF) or (me and me.pk == person.pk):
        return person
    if me and person.pk in management_subtree_ids(me):
        return person
    raise Http404
