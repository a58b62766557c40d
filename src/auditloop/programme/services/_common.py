"""What every programme service shares: the cycle's lock, its history, its rules."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from auditloop.common.errors import WorkflowError
from auditloop.people.models import Person
from auditloop.people.roles import Capability, Role
from auditloop.programme.models import Cycle, CycleEvent
from auditloop.standards.models import ToolVersion
from auditloop.standards.selectors import framework_settings_row, latest_version


def lock(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def _refuse(cycle: Cycle, doing: str) -> WorkflowError:
    return WorkflowError(
        f"The {cycle.title} is at “{cycle.get_status_display().lower()}”, so you cannot "
        f"{doing} now. Reload the page to see where it has got to."
    )


def require(cycle: Cycle, *states: str, doing: str) -> None:
    """Refuse a step the cycle's state does not allow, saying where it has got to."""
    if cycle.status not in states:
        raise _refuse(cycle, doing)


def require_in(cycle: Cycle, group: str, *, doing: str) -> None:
    """Refuse a step taken only while the cycle's state is in one of its workflow's groups."""
    if not cycle.status_in(group):
        raise _refuse(cycle, doing)


def require_move(cycle: Cycle, to: str, *, doing: str) -> None:
    """Refuse, before any work, a move the cycle's workflow does not allow from where it
    is (the workflow checks again as it moves)."""
    if not cycle.may_become(to):
        raise _refuse(cycle, doing)


def record(cycle: Cycle, actor: Person | None, what: str, detail: str = "") -> CycleEvent:
    return CycleEvent.objects.create(cycle=cycle, actor=actor, what=what[:300], detail=detail)


def framework_tool_version() -> ToolVersion | None:
    """The latest version of the framework's first case audit tool."""
    for key in framework_settings_row().tools or []:
        version = latest_version(key)
        if version is not None and version.definition.get("purpose") == "case_audit":
            return version
    return None


def people_with_roles(roles: Iterable[str]) -> list[Person]:
    wanted = list(roles)
    return list(
        Person.objects.filter(is_active=True)
        .filter(Q(role_rows__role__in=wanted) | Q(job_title__role_rows__role__in=wanted))
        .distinct().order_by("full_name", "pk")
    )


def cycle_runners() -> list[Person]:
    """Those who run the cycle (the QA manager and head of QA): told what needs them."""
    from auditloop.people.roles import ROLE_CAPABILITIES

    roles = [r for r, caps in ROLE_CAPABILITIES.items() if Capability.RUN_CYCLE in caps]
    return people_with_roles(roles)


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


__all__ = ["Role", "cycle_runners", "framework_tool_version", "lock", "people_with_roles",
           "plural", "record", "require", "require_in", "require_move"]
