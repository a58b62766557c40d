"""The Jinja2 environment: GOV.UK Frontend macros, url and static helpers, filters."""

from typing import Any

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader

from auditloop.people import entra


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def gds_date(value: Any, with_time: bool = False) -> str:
    """Dates the GOV.UK way: 4 June 2026, 2:05pm."""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and with_time:
        value = timezone.localtime(value)
        return date_format(value, "j F Y") + ", " + date_format(value, "g:iA").lower()
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value)
    return date_format(value, "j F Y")


def environment(**options: Any) -> Environment:
    loader = options.pop("loader", None)
    loaders = [
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")},
                     delimiter="/"),
    ]
    if loader is not None:
        loaders.insert(0, loader)
    options["loader"] = ChoiceLoader(loaders)
    options.setdefault("autoescape", True)
    env = Environment(**options)  # noqa: S701 - autoescape is set above
    env.globals.update(
        {
            "url": url,
            "static": static,
            "council_name": settings.COUNCIL_NAME,
            "service_name": settings.SERVICE_NAME,
            "demo_mode": settings.DEMO_MODE,
            "entra_login_url": entra.login_url,
        }
    )
    env.filters.update({"gds_date": gds_date, "intcomma": intcomma})
    return env

