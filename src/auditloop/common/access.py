"""Access helpers: capability checks for views and the access log for records."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from auditloop.common.models import AccessLog


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def log_access(
    request: HttpRequest,
    *,
    object_type: str,
    object_id: object,
    action: str = AccessLog.Action.VIEW,
) -> None:
    """Record that the signed-in user looked at (or exported) a record."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    log_access_many(request, object_type=object_type, object_ids=[object_id], action=action)


def log_access_many(
    request: HttpRequest,
    *,
    object_type: str,
    object_ids: Iterable[object],
    action: str = AccessLog.Action.VIEW,
) -> None:
    """One access-log row for each record a page shows, in one insert however many."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    ip, path = client_ip(request), request.path[:300]
    AccessLog.objects.bulk_create([
        AccessLog(user=request.user, action=action, object_type=object_type,
                  object_id=str(pk), ip_address=ip, path=path)
        for pk in object_ids])


def capability_required(*capabilities: str) -> Callable[..., Any]:
    """Allow the view to users holding any of the capabilities; 403 for everyone else.

    The user object answers `has_capability` (people.User); common knows nothing more of it.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not any(
                user.has_capability(c) for c in capabilities  # type: ignore[union-attr]
            ):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_capabilities = capabilities  # type: ignore[attr-defined]
        return wrapped

    return decorator
