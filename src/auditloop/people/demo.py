"""Demo mode only: one-click sign-in as a demo user of each role."""

from allauth.account.utils import perform_login
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from auditloop.people.models import User
from auditloop.people.roles import Role


def demo_users() -> list[tuple[str, User]]:
    found = []
    for role in Role:
        user = User.objects.filter(is_demo=True, username=f"demo-{role.value}").first()
        if user:
            found.append((role.label, user))
    return found


@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    if not settings.DEMO_MODE:
        raise Http404
    return render(request, "people/demo_sign_in.html", {"demo_users": demo_users()})


@require_POST
def sign_in(request: HttpRequest, username: str) -> HttpResponse:
    if not settings.DEMO_MODE:
        raise Http404
    user = User.objects.filter(is_demo=True, username=username, is_active=True).first()
    if user is None:
        raise Http404
    return perform_login(request, user, redirect_url="/")
