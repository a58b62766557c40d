"""Service navigation by role: apps register their entries with the capability they need and
the job each serves. A person who uses a few pages sees them all; a person who uses many sees
one link per job, each leading to a landing page that lists that job's pages."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavGroup:
    """A job, in the council's words: its landing page is /work/<slug>/."""

    slug: str
    text: str
    description: str  # the landing page's opening line


MY_WORK = NavGroup("mine", "My work", "Your own actions and notices, and the audits that "
                   "concern you.")
MONTH = NavGroup("month", "Running the month", "The monthly audit cycle, from choosing the "
                 "cases to the QA meeting: audits, moderation and disagreements.")
FOLLOW_UP = NavGroup("follow-up", "Following up", "What happens after an audit: actions and "
                     "who owns them, supervision, action plans and whether practice changed.")
REGISTER = NavGroup("register", "The register", "The cases and staff the audits are drawn "
                    "from, how they get here and the council's structure.")
SETUP = NavGroup("setup", "Setting up", "What good looks like and how the audit programme "
                 "runs: the audit tools and the framework's settings.")
REPORTS = NavGroup("reports", "Reports", "What the audits found, for leaders, boards and "
                   "practitioners.")
GOVERNANCE = NavGroup("governance", "Information governance", "Who looked at which record, "
                      "and who signed in.")
# The order the top navigation shows them in.
GROUPS: tuple[NavGroup, ...] = (MY_WORK, MONTH, FOLLOW_UP, REGISTER, SETUP, REPORTS, GOVERNANCE)

# How much fits on one row of the service navigation, in characters of its 19px Arial
# (about 9.5px each): the 960px page width holds about 100, less a margin for wider
# letters. Each link also takes the 30px gap after it, about 3 characters. The browser test
# of the navigation (tests/e2e/test_navigation_by_role.py) checks every demo role's row.
ROW_CHARACTERS = 96
GAP_CHARACTERS = 3


@dataclass(frozen=True)
class NavEntry:
    text: str
    url_name: str
    capabilities: tuple[str, ...]  # any of these; empty means every signed-in user
    order: int = 100
    # The job it serves; None keeps it a link of its own in every navigation (Home).
    group: NavGroup | None = MY_WORK
    description: str = ""  # one line on the landing page: what the page is for


_entries: list[NavEntry] = []


def register(entry: NavEntry) -> None:
    if entry not in _entries:
        _entries.append(entry)


def registered() -> tuple[NavEntry, ...]:
    return tuple(_entries)


def entries_for(user: Any) -> list[NavEntry]:
    """The entries this person may use, in order."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [
        entry for entry in sorted(_entries, key=lambda e: e.order)
        if not entry.capabilities or any(user.has_capability(c) for c in entry.capabilities)
    ]


def group_for_slug(slug: str) -> NavGroup:
    for group in GROUPS:
        if group.slug == slug:
            return group
    raise LookupError(slug)


def group_entries(user: Any, group: NavGroup) -> list[NavEntry]:
    return [entry for entry in entries_for(user) if entry.group == group]


def fits_one_row(entries: list[NavEntry]) -> bool:
    return sum(len(e.text) + GAP_CHARACTERS for e in entries) <= ROW_CHARACTERS


def _current_entry(entries: list[NavEntry], current_path: str) -> NavEntry | None:
    """The entry whose page this is: the longest address the path starts with, so the
    tracker (/audits/tracker/) is not taken for the audits (/audits/)."""
    best: tuple[int, NavEntry] | None = None
    for entry in entries:
        href = reverse(entry.url_name)
        matches = current_path == href if href == "/" else current_path.startswith(href)
        if matches and (best is None or len(href) > best[0]):
            best = (len(href), entry)
    return best[1] if best else None


def _item(text: str, href: str, current_path: str, active: bool) -> dict[str, Any]:
    # "current" marks the page itself (aria-current="page"), "active" a page within it.
    return {"text": text, "href": href, "current": current_path == href,
            "active": active and current_path != href}


def items_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    """The top navigation: every entry when they fit on one row; otherwise the stand-alone
    entries then one link per job, straight to the page when the job has only one."""
    entries = entries_for(user)
    here = _current_entry(entries, current_path)
    if fits_one_row(entries):
        return [_item(e.text, reverse(e.url_name), current_path, e == here) for e in entries]
    items = [_item(e.text, reverse(e.url_name), current_path, e == here)
             for e in entries if e.group is None]
    for group in GROUPS:
        members = [e for e in entries if e.group == group]
        if len(members) == 1:
            only = members[0]
            items.append(_item(only.text, reverse(only.url_name), current_path, only == here))
        elif members:
            href = reverse("work_group", kwargs={"group": group.slug})
            items.append(_item(group.text, href, current_path,
                               here is not None and here.group == group))
    return items
