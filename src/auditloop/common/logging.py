"""The server log: one JSON object a line in production (LOG_FORMAT=json), plain text in the
demo and tests, and one access line per request.

Every line carries the time (UTC, ISO 8601), level, logger, message and request id, so a
log platform can search by request id and join a line to the proxy's log and the access-log
row. The access line (logger `auditloop.access`) carries the method, the URL's name (or, for
an address that matched no page, its path: never the query string), the status, how long the
request took and the signed-in person's user id: never a name, a case reference or anything
typed into a form.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from auditloop.common.middleware import current_request_id

access_logger = logging.getLogger("auditloop.access")

# What an access line adds to its record (the JSON formatter writes each as a key).
ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "user_id")
# The attributes every LogRecord has: anything else on a record was passed in `extra`.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, then what the
    caller passed in `extra` (the access line's fields), then the exception, if any."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in line and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None  # nobody asked who it was (the health checks): do not load the session
    return user.pk if user.is_authenticated else None


class AccessLogMiddleware:
    """One `auditloop.access` line per request, after the response is made. Sits just after
    RequestIdMiddleware, so it times (and logs) everything the other middleware does."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        fields = {
            "method": request.method,
            "route": match.view_name if match is not None else request.path,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "user_id": _user_id(request),
        }
        access_logger.info(
            "%(method)s %(route)s %(status)s %(duration_ms)sms user=%(user_id)s", fields,
            extra=fields)
        return response
