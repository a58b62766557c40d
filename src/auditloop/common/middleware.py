"""The request id: one per request, in the response, the server log and the access log.

A reverse proxy's own `X-Request-ID` is kept when it looks like an id (so the proxy's log and
ours can be joined); otherwise a fresh one is made. `current_request_id()` reads it anywhere
in the request (the logging filter uses it), and background tasks have none.
"""

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_WELL_FORMED = re.compile(r"^[A-Za-z0-9-]{8,32}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _WELL_FORMED.match(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter:
    """Adds `request_id` to every log record (empty outside a request)."""

    def filter(self, record: object) -> bool:
        record.request_id = current_request_id()  # type: ignore[attr-defined]
        return True


class SecurityHeadersMiddleware:
    """Headers Django does not send itself, on every response (redirects and refusals too):

    - `Cache-Control: no-store` on everything but static files, so no page about a child is
      kept by the browser or a proxy (the back button after signing out shows nothing);
    - `Permissions-Policy` turning off browser features no page uses (settings).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
        response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response
