"""Whether the work a notice asks for is done, so an opened notice says so instead of asking
again. A notice records what it asks (`kind`) and what about (`about`, "audit:12"); the app
that raised it registers a check for its kind when it starts (its AppConfig.ready), since
this app sits below the apps whose work the notices are about.

A check is given every notice of its kind at once (the tray lists up to 200) and answers
with a sentence for each notice whose work is done, in a few queries, never one a notice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from auditloop.notifications.models import Notification

DoneCheck = Callable[[Sequence[Notification]], Mapping[int, str]]
_CHECKS: dict[str, DoneCheck] = {}


def register_done_check(kind: str) -> Callable[[DoneCheck], DoneCheck]:
    """Register the check for notices of this kind: it returns, for each notice (by id)
    whose work is done, what the notice page says ("Done: the actions were agreed on
    3 December 2026")."""

    def add(check: DoneCheck) -> DoneCheck:
        _CHECKS[kind] = check
        return check

    return add


def about(noun: str, pk: int) -> str:
    """The `about` key of a notice: a noun and an id, never a name."""
    return f"{noun}:{pk}"


def about_ids(notices: Iterable[Notification], noun: str) -> dict[int, int]:
    """Each notice's id (by notice id) of the thing it is about, where it is a `noun`."""
    found = {}
    for n in notices:
        head, _, tail = n.about.partition(":")
        if head == noun and tail.isdigit():
            found[n.pk] = int(tail)
    return found


def done_sentences(notices: Iterable[Notification]) -> dict[int, str]:
    """What each notice whose work is done says about it, by notice id."""
    by_kind: dict[str, list[Notification]] = defaultdict(list)
    for n in notices:
        if n.kind in _CHECKS and n.about:
            by_kind[n.kind].append(n)
    done: dict[int, str] = {}
    for kind, rows in by_kind.items():
        done.update(_CHECKS[kind](rows))
    return done
