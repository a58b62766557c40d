"""The tray: a person's notices, newest first, each saying whether its work is done."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from auditloop.notifications import services
from auditloop.notifications.done import done_sentences
from auditloop.notifications.models import Notification


def _person(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.user.person_or_none  # type: ignore[union-attr]


@require_GET
def tray(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    items = (
        list(Notification.objects.filter(recipient=person).order_by("-created_at")[:200])
        if person else []
    )
    return render(request, "notifications/tray.html",
                  {"items": items, "done": done_sentences(items)})


@require_GET
def notice(request: HttpRequest, notification_id: int) -> HttpResponse:
    """One notice, opened: what it asked, whether that is done, and where it leads."""
    notification = get_object_or_404(Notification, pk=notification_id,
                                     recipient=_person(request))
    services.notification_mark_read(notification=notification)
    return render(request, "notifications/notice.html", {
        "n": notification, "done": done_sentences([notification]).get(notification.pk, "")})


@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Open a notice from the tray: straight to the page it is about, unless its work is
    already done, when the notice itself says so first."""
    notification = get_object_or_404(Notification, pk=notification_id,
                                     recipient=_person(request))
    services.notification_mark_read(notification=notification)
    if done_sentences([notification]):
        return redirect("notifications:notice", notification.pk)
    return redirect(notification.link or "notifications:tray")
