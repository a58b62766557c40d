"""001 2.11: "Auditors are paired at random" (pairs_formed_at_random): pairings of the last
year are varied, so two auditors who worked together are not paired again when others
can be. Without the setting, earlier pairings are not pushed apart."""

import pytest

from auditloop.programme.services.allocation import build_problem
from tests.factories import make_audit
from tests.programme.conftest import set_framework
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db


def test_earlier_pairings_are_varied_only_when_pairs_are_formed_at_random(framework, council,
                                                                         auditors):
    a, b, c, d = auditors(4)
    make_audit(case=council["cases"][5], auditors=[a, b])
    cycle = confirmed_cycle(council["cases"][:2])
    set_framework(pairs_formed_at_random=True)
    assert build_problem(cycle, seed=1).problem.previous_pairs == {frozenset((a.pk, b.pk))}
    set_framework(pairs_formed_at_random=False)
    assert build_problem(cycle, seed=1).problem.previous_pairs == frozenset()
