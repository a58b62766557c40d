"""Who sits on the moderation panel: the framework's roles, or one role in a named service
or team (002: "the Service Manager for the Safeguarding and Review Unit", not every service
manager), and whoever holds the moderator role. Moderation, notices to the panel and the
panel's right to settle a disagreement all read the same list."""

from __future__ import annotations

import pytest

from auditloop.audits import voices
from auditloop.audits.models import Disagreement
from auditloop.audits.recipients import people_for
from auditloop.common.errors import DomainError
from auditloop.moderation import services
from auditloop.people.models import Service, Team
from auditloop.people.roles import Role
from auditloop.standards import settings_display
from auditloop.standards.services import framework_setting_change
from tests.factories import PersonFactory, make_audit
from tests.moderation.factories import set_framework

pytestmark = pytest.mark.django_db
UNIT = "service_manager:Safeguarding and Review Unit"


@pytest.fixture
def people():  # type: ignore[no-untyped-def]
    set_framework(moderation_panel_roles=["qa_manager", UNIT])
    unit_service = Service.objects.create(name="Safeguarding and Review Unit")
    unit_team = Team.objects.create(name="IROs and CP Chairs", service=unit_service)
    other_team = Team.objects.create(name="Child in Need North",
                                     service=Service.objects.create(name="Child in Need"))
    return {
        "unit_sm": PersonFactory(roles=[Role.SERVICE_MANAGER], team=unit_team),
        "other_sm": PersonFactory(roles=[Role.SERVICE_MANAGER], team=other_team),
        "qa": PersonFactory(roles=[Role.QA_MANAGER]),
        "moderator": PersonFactory(roles=[Role.MODERATOR]),
        "tm": PersonFactory(roles=[Role.TEAM_MANAGER], team=unit_team),
    }


def test_only_the_named_units_service_manager_sits_on_the_panel(people):
    panel = set(services.panel_members())
    assert panel == {people["unit_sm"], people["qa"], people["moderator"]}
    assert services.is_panel_member(people["unit_sm"])
    assert not services.is_panel_member(people["other_sm"])
    assert not services.is_panel_member(people["tm"])


def test_the_unit_can_be_a_team_as_well_as_a_service(people):
    set_framework(moderation_panel_roles=["service_manager:child in need north"])
    assert set(services.panel_members()) == {people["other_sm"], people["moderator"]}


def test_notices_to_the_panel_go_to_the_same_people(people):
    audit = make_audit()
    assert set(people_for(audit, "moderation_panel")) == set(services.panel_members())


def test_the_unit_manager_settles_a_disagreement_on_the_panels_route(people):
    audit = make_audit()
    row = Disagreement(audit=audit, raised_by=PersonFactory(), reason="Unfair",
                       settled_by_route="moderation_panel")
    assert voices.may_settle(row, people["unit_sm"])
    assert not voices.may_settle(row, people["other_sm"])


def test_the_setting_reads_and_shows_a_role_in_a_unit(people):
    assert settings_display.display("moderation_panel_roles", ["qa_manager", UNIT], []) == [
        f"{Role.QA_MANAGER.label}, {Role.SERVICE_MANAGER.label} of the Safeguarding and "
        "Review Unit"]
    with pytest.raises(DomainError, match="not a role"):
        framework_setting_change(setting="moderation_panel_roles",
                                 value=["boss:Safeguarding and Review Unit"], actor=None)
    with pytest.raises(DomainError, match="after the colon"):
        framework_setting_change(setting="moderation_panel_roles", value=["service_manager:"],
                                 actor=None)
