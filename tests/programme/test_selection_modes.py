"""The framework's ways of choosing cases (selection_modes) set the proposal form's starting
choices: a random dip only where it samples at random (001 chooses by theme and
nomination), drift where it picks up drift (000, 003), its themes (001) and the months of
cases audited before (004)."""

import pytest
from django.urls import reverse

from auditloop.cases.models import Theme
from auditloop.people.roles import Role
from auditloop.programme import services
from auditloop.programme.services.selection import proposal_initial
from auditloop.standards.selectors import framework_settings_row
from tests.programme.conftest import set_framework

pytestmark = pytest.mark.django_db


def _initial(modes):  # type: ignore[no-untyped-def]
    set_framework(selection_modes=modes)
    return proposal_initial(framework_settings_row())


def test_random_and_drift_start_ticked_only_where_the_framework_uses_them(framework):
    assert _initial([])["drift"] is True and _initial([])["random_count"] == 4
    only_random = _initial([{"mode": "random"}])
    assert only_random["random_count"] == 4 and only_random["drift"] is False
    with_drift = _initial([{"mode": "random"}, {"mode": "drift"}])
    assert with_drift["drift"] is True
    themed = _initial([{"mode": "themed", "filters": [{"filter": "theme", "value": "Neglect"}]}])
    assert themed["random_count"] == 0 and themed["drift"] is False


def test_the_frameworks_themes_and_months_start_chosen(framework):
    Theme.objects.create(name="Neglect")
    Theme.objects.create(name="Young carers")
    Theme.objects.create(name="Housing")
    start = _initial([{"mode": "themed", "filters": [
        {"filter": "theme", "value": "Neglect"}, {"filter": "theme", "value": "young carers"}]},
        {"mode": "previously_audited", "months": 6}])
    assert start["themes"] == ["Neglect", "Young carers"]
    assert start["previously_audited_months"] == 6
    assert "themes" not in _initial([{"mode": "random"}])


def test_the_proposal_page_starts_from_the_frameworks_ways(framework, role_client):
    client, _ = role_client(Role.QA_MANAGER)
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    set_framework(selection_modes=[{"mode": "random"}])
    page = client.get(reverse("programme:propose", args=[cycle.pk])).content.decode()
    assert 'checked' not in page.split('name="drift"')[1].split(">")[0]
    set_framework(selection_modes=[{"mode": "random"}, {"mode": "drift"}])
    page = client.get(reverse("programme:propose", args=[cycle.pk])).content.decode()
    assert 'checked' in page.split('name="drift"')[1].split(">")[0]
