"""The indicators' pages: every indicator in a scope (the whole council, a service or a
locality, 000's districts) with its sparkline, latest figure beside its benchmarks and what
was done about each signal; and one indicator's SPC chart with its data table.

Figures only: counts and rates, no case and no child (the cases behind a figure are kept as
ids for an audit's selection and never shown), so no access-log row.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from auditloop.common import charts
from auditloop.common.access import capability_required
from auditloop.indicators import selectors
from auditloop.people.roles import Capability as C

# Report readers, the QA team, and the performance analysts who upload the figures.
READERS = (C.VIEW_REPORTS, C.RUN_CYCLE, C.ENTER_INDICATORS)


def _scope(request: HttpRequest) -> tuple[selectors.Scope, list[selectors.ScopeChoice]]:
    choices = selectors.scope_choices()
    wanted = request.GET.get("scope", "")
    if wanted not in {c.value for c in choices}:
        wanted = ""
    return selectors.parse_scope(wanted), choices


def _label(scope: selectors.Scope, choices: list[selectors.ScopeChoice]) -> str:
    value = selectors.scope_value(scope)
    return next((c.label for c in choices if c.value == value), "The whole council")


def _may_propose(request: HttpRequest) -> bool:
    """Who may accept, edit or dismiss a proposed themed audit (programme's page)."""
    return bool(request.user.has_capability(C.RUN_CYCLE))  # type: ignore[union-attr]


@require_GET
@capability_required(*READERS)
def indicator_list(request: HttpRequest) -> HttpResponse:
    scope, choices = _scope(request)
    found = selectors.rows(scope)
    return render(request, "indicators/list.html", {
        "rows": found, "choices": choices, "scope": selectors.scope_value(scope),
        "scope_label": _label(scope, choices), "latest": selectors.latest_month(found),
        "may_propose": _may_propose(request),
    })


@require_GET
@capability_required(*READERS)
def indicator_detail(request: HttpRequest, key: str) -> HttpResponse:
    scope, choices = _scope(request)
    found = selectors.rows(scope, key=key)
    if not found:
        raise Http404
    row = found[0]
    drawn = charts.draw(row.chart, title=f"{row.indicator.name}: {_label(scope, choices)}",
                        as_percent=row.indicator.is_proportion) if row.values else None
    return render(request, "indicators/detail.html", {
        "row": row, "drawn": drawn, "table": selectors.table(row), "choices": choices,
        "scope": selectors.scope_value(scope), "scope_label": _label(scope, choices),
        "may_propose": _may_propose(request),
    })
