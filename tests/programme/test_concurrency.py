"""Two people taking the same step of a cycle at once: the cycle's row lock lets one through
and the other is told where the cycle has got to; nothing is made twice.

On PostgreSQL the steps run in two threads with their own connections. SQLite ignores row
locks: there the same steps run one after the other, which must give the same outcome.
"""

from __future__ import annotations

import time

import pytest

from auditloop.audits.models import Audit
from auditloop.common.errors import DomainError
from auditloop.programme import services
from auditloop.programme.models import Cycle, CycleCase
from auditloop.programme.services import _common
from tests.concurrency import ON_POSTGRES, run_together
from tests.programme.conftest import set_framework
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db(transaction=ON_POSTGRES)


@pytest.fixture
def slow_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the cycle's lock a little longer, so the second step really waits."""
    real = _common.require

    def slow(cycle: Cycle, *states: str, doing: str) -> None:
        time.sleep(0.15)
        real(cycle, *states, doing=doing)

    for module in ("allocation", "selection"):
        monkeypatch.setattr(f"auditloop.programme.services.{module}.require", slow)


def test_two_confirmations_of_one_allocation_make_the_audits_once(
        framework, council, auditors, fake_solver, slow_lock):
    set_framework(allocation_unit="singles")
    auditors(3)
    cycle = confirmed_cycle(council["cases"][:3])
    run = services.allocation_propose(cycle=cycle, actor=None)
    results = run_together([lambda: services.allocation_confirm(run=run, actor=None)] * 2)
    made = [r for r in results if isinstance(r, list)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(made) == 1 and len(made[0]) == 3
    assert len(refused) == 1 and "Reload the page" in refused[0].message
    assert Audit.objects.count() == 3


def test_two_swaps_of_one_case_swap_it_once(framework, council, slow_lock):
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    services.selection_propose(cycle=cycle, ask=services.SelectionAsk(random_count=3, seed=1),
                               actor=None)
    row = CycleCase.objects.filter(cycle=cycle).first()
    results = run_together([
        lambda: services.selection_swap(cycle_case=row, actor=None, reason="First"),
        lambda: services.selection_swap(cycle_case=row, actor=None, reason="Second"),
    ])
    assert sum(isinstance(r, CycleCase) for r in results) == 1
    assert CycleCase.objects.filter(
        cycle=cycle, status__in=CycleCase.workflow.groups["current"]).count() == 3
