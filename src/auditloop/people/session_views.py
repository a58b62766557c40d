""""Your sessions": the person's own signed-in sessions, and ending one of the others."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from auditloop.people import sessions


@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    return render(request, "people/sessions.html", {
        "sessions": list(sessions.live_sessions(request.user)),
        "current_id": sessions.current_session_id(request),
    })


@require_POST
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    if sessions.end_other_session(request, session_id):
        messages.success(request, "The session has ended. It is signed out.")
    else:
        messages.error(request, "That session has already ended.")
    return redirect("people:sessions")
