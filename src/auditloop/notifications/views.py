"""The tray: a person's notices, newest first."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from auditloop.notifications import services
from auditloop.notifications.models import Notification


@require_GET
def tray(request: HttpRequest) -> HttpResponse:
    person = request.user.person_or_none  # type: ignore[union-attr]
    items = (
        Notification.objects.filter(recipient=person).order_by("-created_at")[:200]
        if person else []
    )
    return render(request, "notifications/tray.html", {"items": items})


@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    person = request.user.person_or_none  # type: ignore[union-attr]
    notification = get_object_or_404(Notification, pk=notification_id, recipient=person)
    services.notification_mark_read(notification=notification)
    return redirect(notification.link or "notifications:tray")
