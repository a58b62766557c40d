"""The home page (what needs this person's attention), the landing page of each job in the
navigation, and the two health checks.

`/healthz` says the process is up and answers requests: it touches nothing else, so a
database outage does not make a supervisor restart healthy processes. `/readyz` says this
process can do its work: the database answers, every migration is applied, and the
background worker is keeping up. Neither needs sign-in, and neither says why it is not
ready (no versions, no error text): the reason is in the server log.

The worker (django-tasks-db's `db_worker`) records no heartbeat of its own, and the settings
give it nowhere to write one. What a stopped or stuck worker leaves behind is work waiting:
queued tasks whose time to run passed long ago. A running worker polls every second or so,
so a task still waiting after WORKER_LAG has not been picked up by anybody. An empty queue
says nothing about the worker, but then nothing is waiting for it either, so it is ready.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks_db.models import DBTaskResult, get_date_max

from auditloop.common import attention, navigation

logger = logging.getLogger(__name__)

# How long a queued task may wait for the worker before the service is not ready.
WORKER_LAG = dt.timedelta(minutes=5)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "common/home.html",
        {"panels": attention.panels_for(request.user)},
    )


@require_GET
def work_group(request: HttpRequest, group: str) -> HttpResponse:
    """A job's landing page: the pages of that job this person may use, each with what it is
    for. A job they have no page in is refused; an unknown one is not found."""
    try:
        nav_group = navigation.group_for_slug(group)
    except LookupError:
        raise Http404("No such part of the service") from None
    entries = navigation.group_entries(request.user, nav_group)
    if not entries:
        raise PermissionDenied
    return render(request, "common/work_group.html", {
        "group": nav_group,
        "entries": [{"text": e.text, "href": reverse(e.url_name), "description": e.description}
                    for e in entries],
    })


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    reason = not_ready_because()
    if reason:
        logger.warning("Not ready: %s", reason)
        return JsonResponse({"status": "not ready"}, status=503)
    return JsonResponse({"status": "ok"})


_migrations_applied = False  # once true, stays true for the life of the process


def not_ready_because(now: dt.datetime | None = None) -> str:
    """Why this process is not ready, in words for the log; "" when it is."""
    global _migrations_applied
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied:
            executor = MigrationExecutor(connection)
            if executor.migration_plan(executor.loader.graph.leaf_nodes()):
                return "migrations are not applied"
            _migrations_applied = True
        waited_since = (now or timezone.now()) - WORKER_LAG
        stale = DBTaskResult.objects.ready().filter(
            Q(run_after=get_date_max(), enqueued_at__lt=waited_since)
            | Q(run_after__lt=waited_since)
        )
        if stale.exists():
            return f"queued tasks have waited more than {WORKER_LAG} for the worker"
    except DatabaseError as error:
        return f"the database did not answer ({type(error).__name__})"
    return ""


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (the 2018 accessibility regulations), open to everyone,
    signed in or not, and linked from every page's footer."""
    return render(request, "common/accessibility.html",
                  {"accessibility_contact": settings.ACCESSIBILITY_CONTACT})


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "common/404.html", status=404)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "common/403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "common/500.html", status=500)
