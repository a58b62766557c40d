"""Framework settings read two ways, each seeing a different outcome, where no test in the
app that acts on the setting did so already. The registry in test_settings_honest.py points
here for them."""

from __future__ import annotations

import pytest

from auditloop.audits.selectors import auditor_pool
from auditloop.people.roles import Role
from auditloop.quality import services as quality_services
from auditloop.quality.models import QualityCheck
from auditloop.standards.services import framework_settings_set
from tests.factories import (
    CaseEventFactory,
    CaseFactory,
    PersonFactory,
    ServiceFactory,
    shipped_tool_version,
)

pytestmark = pytest.mark.django_db


def test_tools_decide_whether_imported_records_join_the_quality_control_queue() -> None:
    shipped_tool_version("003-tier-1-quality-control")
    shipped_tool_version("003-tier-2-caf-toolkit")
    case = CaseFactory(service=ServiceFactory())
    framework_settings_set(values={"tools": ["003-tier-2-caf-toolkit"]}, actor=None)
    CaseEventFactory(case=case, kind="closure")
    assert quality_services.quality_checks_create_for_new_events() == 0
    framework_settings_set(values={"tools": ["003-tier-2-caf-toolkit",
                                             "003-tier-1-quality-control"]}, actor=None)
    assert quality_services.quality_checks_create_for_new_events() == 1
    assert QualityCheck.objects.count() == 1


def test_auditor_roles_decide_who_may_be_chosen_to_audit() -> None:
    manager = PersonFactory(roles=[Role.TEAM_MANAGER])
    framework_settings_set(values={"auditor_roles": ["auditor"]}, actor=None)
    assert manager not in auditor_pool()
    framework_settings_set(values={"auditor_roles": ["auditor", "team_manager"]}, actor=None)
    assert manager in auditor_pool()
