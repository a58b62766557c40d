"""Coverage's audits still needed round up: a target of half of 9 open cases is 5 audits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auditloop.programme.coverage import CoverageRow


@pytest.mark.parametrize(("target", "open_cases", "audited", "needed"), [
    (Decimal(50), 9, 0, 5),  # 4.5 rounds up to 5 (truncating would say 4)
    (Decimal(20), 10, 0, 2),  # exact
    (Decimal(20), 11, 0, 3),  # 2.2 rounds up to 3
    (Decimal(20), 11, 3, 0),
    (Decimal("12.5"), 8, 0, 1),
])
def test_audits_needed_round_up(target: Decimal, open_cases: int, audited: int,
                                needed: int) -> None:
    row = CoverageRow(key=None, label="All", open_cases=open_cases, audited=audited,
                      target=target)
    assert row.needed == needed
