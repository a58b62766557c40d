"""Action plans and findings: the pages strategic leads and the QA team work in."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    raise Http404


@require_GET
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    raise Http404
