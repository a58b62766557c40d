"""One workflow helper for every model with a status.

A model declares its `Workflow`: the states each state may be reached from, and named
groups of states ("finished"). Every change of state goes through `Workflow.move`, which
locks the row, checks the source state (and, where the workflow says so, the actor), saves,
and writes a history row with who, when, from, to and why: a `StatusChange`, or the model's
own history table where it has one. Views and templates ask
`obj.may_become(to)` and `obj.status_in(group)` instead of comparing status strings, so each
rule lives once, beside the states it governs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from auditloop.common.errors import WorkflowError
from auditloop.common.models import StatusChange

# Who may make a move: (actor, object, to) -> allowed. None means any caller of the service.
Guard = Callable[[Any, models.Model, str], bool]
# Where a model keeps its own history (with facts of its own beside the move): called with
# (object, from, to, actor, reason, **facts) instead of writing a StatusChange row.
History = Callable[..., object]


def _user_of(actor: Any) -> Any:
    """The signed-in account behind an actor: a user, or a staff record with a user."""
    if actor is None:
        return None
    if isinstance(actor, get_user_model()):
        return actor
    return getattr(actor, "user", None)


class Workflow:
    def __init__(self, states: type[models.TextChoices], *,
                 allowed_from: Mapping[str, Iterable[str]], noun: str,
                 groups: Mapping[str, Iterable[str]] | None = None,
                 guards: Mapping[str, Guard] | None = None, field: str = "status",
                 history: History | None = None) -> None:
        known = set(states.values)
        for to, sources in allowed_from.items():
            unknown = ({to} | set(sources)) - known
            if unknown:
                raise ValueError(f"{noun}: unknown states {sorted(unknown)}")
        self.states = states
        self.noun = noun
        self.field = field
        self.allowed_from = {to: frozenset(sources) for to, sources in allowed_from.items()}
        self.groups = {name: frozenset(members) for name, members in (groups or {}).items()}
        self.guards = dict(guards or {})
        self.history = history

    def allows(self, current: str, to: str) -> bool:
        return current in self.allowed_from.get(to, frozenset())

    def next_states(self, current: str) -> list[str]:
        return [to for to, sources in self.allowed_from.items() if current in sources]

    def in_group(self, current: str, group: str) -> bool:
        try:
            return current in self.groups[group]
        except KeyError:
            raise ValueError(f"{self.noun} has no group of states called {group!r}") from None

    def _label(self, state: str) -> str:
        return str(self.states(state).label).lower()

    def check(self, obj: models.Model, to: str, actor: Any = None) -> None:
        current = getattr(obj, self.field)
        if not self.allows(current, to):
            raise WorkflowError(
                f"This {self.noun} is {self._label(current)}, so it cannot become "
                f"{self._label(to)} now. Reload the page to see where it has got to.")
        guard = self.guards.get(to)
        if guard is not None and not guard(actor, obj, to):
            raise WorkflowError(
                f"You cannot make this {self.noun} {self._label(to)}: ask the person "
                "responsible for it.")

    @transaction.atomic
    def move(self, obj: models.Model, *, to: str, actor: Any = None, reason: str = "",
             also_save: Iterable[str] = (), **facts: Any) -> models.Model:
        """Move `obj` to `to`. The row is locked and its state read afresh, so two moves at
        once cannot both start from the same state; fields the caller set on `obj` in
        `also_save` are saved with the new state. `facts` go to the model's own history."""
        model = type(obj)
        current = (model._default_manager.select_for_update()
                   .values_list(self.field, flat=True).get(pk=obj.pk))
        setattr(obj, self.field, current)
        self.check(obj, to, actor)
        setattr(obj, self.field, to)
        fields = {self.field, *also_save}
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            fields.add("updated_at")
        obj.save(update_fields=sorted(fields))
        if self.history is not None:
            self.history(obj, current, to, actor, reason, **facts)
            return obj
        if facts:
            raise ValueError(f"{self.noun} keeps no history of its own for {sorted(facts)}")
        StatusChange.objects.create(
            content_type=ContentType.objects.get_for_model(model), object_id=str(obj.pk),
            from_status=current, to_status=to,
            actor=_user_of(actor), reason=reason[:2000])
        return obj


class WorkflowModel(models.Model):
    """A model whose `status` has a `workflow` (a class attribute)."""

    workflow: Workflow

    class Meta:
        abstract = True

    def may_become(self, to: str) -> bool:
        return self.workflow.allows(getattr(self, self.workflow.field), to)

    def status_in(self, group: str) -> bool:
        return self.workflow.in_group(getattr(self, self.workflow.field), group)

    def status_history(self) -> models.QuerySet[StatusChange]:
        return StatusChange.objects.filter(
            content_type=ContentType.objects.get_for_model(type(self)),
            object_id=str(self.pk)).order_by("at", "pk")
