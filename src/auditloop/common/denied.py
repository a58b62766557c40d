"""Refused requests in the access log, in one place for every view.

A signed-in person's request that a view refuses (PermissionDenied, a 403) or answers with a
404 while looking up the record the address names (the record is not there or is not theirs
to see) writes one DENIED row: who, the page's URL name as object_type (for example
"cases:case_detail") and the record id from the address as object_id ("-" when the address
names none). Nothing is written for people who are not signed in (they are sent to sign in
before any view runs) or for addresses that match no page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from auditloop.common.access import log_access
from auditloop.common.models import AccessLog


def _record_id(kwargs: dict[str, object]) -> str:
    """The address's record id: a `..._id` or `pk` part first, else the first part."""
    for name, value in kwargs.items():
        if name == "pk" or name.endswith("_id"):
            return str(value)[:64]
    for value in kwargs.values():
        return str(value)[:64]
    return "-"


class DeniedAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        refused = isinstance(exception, PermissionDenied)
        if not refused and not isinstance(exception, Http404):
            return None
        user = getattr(request, "user", None)
        match = request.resolver_match
        if user is None or not user.is_authenticated or match is None:
            return None
        if not refused and not match.kwargs:
            return None  # a 404 that names no record
        log_access(request, object_type=(match.view_name or "-")[:40],
                   object_id=_record_id(match.kwargs), action=AccessLog.Action.DENIED)
        return None
