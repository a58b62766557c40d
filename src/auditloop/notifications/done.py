"""Whether the work a notice asks for is done, so an opened notice says so instead of asking
again. A notice records what it asks (`kind`) and what about (`about`, "audit:12"); the app
that raised it registers a check for its kind when it starts (its AppConfig.ready), since
this app sits below the apps whose work the notices are about.

A check is given every notice of its kind at once (the tray lists up to 200) and answers
with a sentence for each notice whose work is done, in a few queries, never one a notice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

from auditloop.common.dates import gds_date
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


def said(dated: str, at: dt.datetime | dt.date | None, undated: str = "") -> str:
    """A done sentence with its date in ("Done: answered on {}."), or `undated` where no
    date is known."""
    return dated.format(gds_date(at)) if at else undated


def by_notice(notices: Iterable[Notification], ids: Mapping[int, int],
              sentences: Mapping[int, str]) -> dict[int, str]:
    """Each notice's sentence, by notice id, from the sentences by the id of what the
    notices are about (`ids`, from about_ids)."""
    return {n.pk: sentences[t] for n in notices
            if (t := ids.get(n.pk)) is not None and t in sentences}


def first_move_after(notices: Iterable[Notification], ids: Mapping[int, int],
                     moves: Iterable[tuple[int | str, str, dt.datetime]],
                     ends: Mapping[str, str]) -> dict[int, str]:
    """For work that may come back more than once, each time with a notice (a report sent
    back, a quality check sent back): each notice is done by the first move of what it is
    about after the notice was sent, so an old notice stays done when the work comes back.
    `moves` are (id, status moved to, when), oldest first; `ends` the sentence for each
    status that ends the work, with "{}" for the date."""
    by_thing: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for thing_id, to_status, at in moves:
        by_thing[int(thing_id)].append((at, to_status))
    done = {}
    for n in notices:
        after = next(((at, to) for at, to in by_thing.get(ids.get(n.pk, 0), [])
                      if at > n.created_at), None)
        if after is not None:
            done[n.pk] = ends[after[1]].format(gds_date(after[0]))
    return done


def none_open[K: Hashable](rows: Iterable[tuple[K, bool | None, dt.datetime | None]]
                           ) -> dict[K, dt.datetime | None]:
    """For work made of several parts (audits, reviews, actions): the keys whose parts are
    all finished, at least one of them finished, with when the last one was. Each row is
    (key, still open?, when finished); None for "open" leaves a part out (reassigned,
    taken out)."""
    still_open: set[K] = set()
    last: dict[K, dt.datetime | None] = {}
    for key, is_open, at in rows:
        if is_open is None:
            continue
        if is_open:
            still_open.add(key)
            continue
        seen = last.get(key)
        last[key] = max(seen, at) if seen and at else (seen or at)
    return {key: at for key, at in last.items() if key not in still_open}


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
