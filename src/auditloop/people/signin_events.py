"""Sign-in events: the one place that writes them (people.models.SignInEvent)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from auditloop.common.access import client_ip
from auditloop.common.middleware import current_request_id
from auditloop.people.models import SignInEvent


def record(kind: str, *, request: HttpRequest | None = None, user: Any = None,
           username: str = "") -> SignInEvent:
    """Record one event. `user` is the account (None for an unknown username, then give the
    `username` typed). Nothing secret is ever passed here."""
    if user is not None and not getattr(user, "pk", None):
        user = None
    return SignInEvent.objects.create(
        kind=kind, user=user, username=(username or "")[:150] if user is None else "",
        ip_address=client_ip(request) if request is not None else None,
        request_id=(getattr(request, "request_id", "") if request is not None else "")
        or current_request_id(),
    )
