"""The home page (what needs this person's attention) and the health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from auditloop.common import attention


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "common/home.html",
        {"panels": attention.panels_for(request.user)},
    )


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "common/404.html", status=404)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "common/403.html", status=403)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "common/500.html", status=500)
