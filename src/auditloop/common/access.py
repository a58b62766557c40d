"""Access helpers: capability checks for views and the access log for records."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from auditloop.common.middleware import current_request_id
from auditloop.common.models import AccessLog


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address. Behind TRUSTED_PROXY_COUNT reverse proxies it is the address
    that many hops from the right of X-Forwarded-For (the ones the proxies added); anything
    further left came from the visitor and could be made up."""
    proxies = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def log_access(
    request: HttpRequest,
    *,
    object_type: str,
    object_id: object,
    action: str = AccessLog.Action.VIEW,
    reason: str = "",
) -> None:
    """Record that the signed-in user looked at (or exported) a record."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    log_access_many(request, object_type=object_type, object_ids=[object_id], action=action,
                    reason=reason)


def log_access_many(
    request: HttpRequest,
    *,
    object_type: str,
    object_ids: Iterable[object],
    action: str = AccessLog.Action.VIEW,
    reason: str = "",
) -> None:
    """One access-log row for each record a page shows, in one insert however many."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    ip, path = client_ip(request), request.path[:300]
    request_id = getattr(request, "request_id", "") or current_request_id()
    AccessLog.objects.bulk_create([
        AccessLog(user=request.user, action=action, object_type=object_type,
                  object_id=str(pk), ip_address=ip, path=path, request_id=request_id,
                  reason=reason[:300])
        for pk in object_ids])


def log_access_outside_request(
    user: Any,
    *,
    object_type: str,
    object_ids: Iterable[object],
    action: str,
    reason: str,
    path: str,
) -> None:
    """Access from the command line (`auditloop export cases --as USER --reason ...`): the
    same rows, with the command in place of the page and no address."""
    AccessLog.objects.bulk_create([
        AccessLog(user=user, action=action, object_type=object_type, object_id=str(pk),
                  ip_address=None, path=path[:300], reason=reason[:300])
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
