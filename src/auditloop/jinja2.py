"""The Jinja2 environment: GOV.UK Frontend macros, url and static helpers, filters."""

import calendar
from typing import Any

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.templatetags.static import static
from django.urls import reverse
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader

from auditloop.common.dates import gds_date
from auditloop.common.statistics import RULE_WORDS, Rule, percent
from auditloop.insight import render as insight_render
from auditloop.people import entra


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


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
    env = Environment(**options)  # noqa: S701 # nosec B701 - autoescape is set above
    env.globals.update(
        {
            "url": url,
            "static": static,
            "council_name": settings.COUNCIL_NAME,
            "service_name": settings.SERVICE_NAME,
            "demo_mode": settings.DEMO_MODE,
            "entra_login_url": entra.login_url,
            "insight_render": insight_render,
        }
    )
    env.filters.update({
        "gds_date": gds_date, "intcomma": intcomma, "pct": percent,
        "rule_words": lambda rule: RULE_WORDS[Rule(rule)],
        "month_name": lambda n: calendar.month_name[int(n)],
    })
    return env

