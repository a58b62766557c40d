"""Values every page needs: the signed-in person's navigation and session timings."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from auditloop.common import navigation


def service(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "navigation": navigation.items_for(user, request.path) if user else [],
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT,
        "session_idle_warning": settings.SESSION_IDLE_WARNING,
        "session_absolute_limit": settings.SESSION_ABSOLUTE_LIMIT,
    }
