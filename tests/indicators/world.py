"""The indicators' pages for the role matrix (tests/common/test_role_matrix.py): figures
only, for whoever reads reports or runs the cycle; the performance analyst uploads values."""

from __future__ import annotations

from typing import Any

from auditloop.indicators.models import Indicator
from auditloop.people.roles import Role

R = Role
# VIEW_REPORTS or RUN_CYCLE.
READERS = frozenset({
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.SENIOR_LEADER, R.SENIOR_MANAGER, R.SERVICE_MANAGER,
    R.STRATEGIC_LEAD})
# ENTER_INDICATORS (tests/indicators/test_uploads.py).
ANALYSTS = frozenset({R.PERFORMANCE_ANALYST})

INDICATORS_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    "indicators:indicator_list": ("get", READERS | ANALYSTS),
    "indicators:indicator_detail": ("get", READERS | ANALYSTS),
    "indicators:upload": ("get", ANALYSTS),
    "indicators:upload_template": ("get", ANALYSTS),
}


def indicators_world() -> dict[str, dict[str, Any]]:
    indicator = Indicator.objects.create(key="world_indicator", name="An indicator",
                                         definition="Made up for the role matrix.")
    return {"indicators:indicator_detail": {"key": indicator.key}}
