"""Service navigation by role: apps register their entries with the capability they need."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class NavEntry:
    text: str
    url_name: str
    capabilities: tuple[str, ...]  # any of these; empty means every signed-in user
    order: int = 100


_entries: list[NavEntry] = []


def register(entry: NavEntry) -> None:
    if entry not in _entries:
        _entries.append(entry)


def items_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = []
    for entry in sorted(_entries, key=lambda e: e.order):
        if entry.capabilities and not any(user.has_capability(c) for c in entry.capabilities):
            continue
        href = reverse(entry.url_name)
        active = current_path == href if href == "/" else current_path.startswith(href)
        items.append({"text": entry.text, "href": href, "active": active})
    return items
