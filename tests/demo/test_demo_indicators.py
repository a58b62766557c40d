"""The demo council's indicators move (README.md, "What the demo council's reports show"):
re-referrals rise for three months, the p-chart signals it, the themed audit it proposed is
accepted for the next month's cycle, and that cycle's audits are its findings."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from auditloop.demo.generator import reset_council
from auditloop.indicators.models import Indicator, IndicatorValue, Signal
from auditloop.programme.models import ThemeProposal

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


def test_the_demo_rise_in_re_referrals_signals_and_its_audit_is_accepted(
        qa_manager_client) -> None:  # type: ignore[no-untyped-def]
    call_command("demo", "--scale", "small", "--history-months", "12", "--reference-date",
                 TODAY.isoformat(), stdout=StringIO())
    # The rise's signal of concern (the fall back may signal improvement too).
    signal = Signal.objects.get(indicator__key="re_referrals_12_months",
                                service__isnull=True, locality__isnull=True,
                                meaning=Signal.Meaning.CONCERN)
    assert signal.direction == Signal.Direction.UP
    # The rise is 7 to 5 months before the demo's date (April to June 2026 for 20
    # November); with some twenty referrals a month the chart may first see it in any of
    # them. The proposal is accepted for the next month's cycle.
    assert dt.date(2026, 4, 1) <= signal.first_period <= dt.date(2026, 6, 1)
    proposal = ThemeProposal.objects.get(pk=signal.proposal_id)
    assert proposal.is_accepted and proposal.cycle is not None
    next_month = (signal.first_period + dt.timedelta(days=31)).replace(day=1)
    assert proposal.cycle.period_start == next_month
    assert proposal.hypothesis.endswith("were thresholds applied at the front door?")
    # A figure for each of the 24 months, the council's and each service's.
    council = IndicatorValue.objects.filter(indicator__key="re_referrals_12_months",
                                            service__isnull=True, locality__isnull=True)
    assert council.count() == 24
    # The demo council's visiting standards are set, and visits are counted from its
    # casework: some children are visited late, not all.
    visits = IndicatorValue.objects.filter(indicator__key="statutory_visits_overdue",
                                           service__isnull=True, locality__isnull=True)
    latest = visits.order_by("-period_start").first()
    assert latest is not None and 0 < latest.numerator < latest.denominator
    # Step-up and step-down are counted from the demo's step events.
    assert IndicatorValue.objects.filter(indicator__key="stepped_down_to_early_help",
                                         numerator__gt=0).exists()
    page = qa_manager_client.get(reverse("indicators:indicator_list")).content.decode()
    assert f"Concern: rose above the upper limit ({signal.first_period:%B %Y}" in page
    assert f"Themed audit accepted for the {next_month:%B %Y} cycle." in page
    assert " audits done so far, " in page and " good or better." in page
    # The reset removes the figures, the signals and the proposals with the council.
    reset_council()
    assert not IndicatorValue.objects.exists() and not Signal.objects.exists()
    assert not ThemeProposal.objects.filter(source=ThemeProposal.Source.INDICATOR).exists()
    assert Indicator.objects.filter(key="re_referrals_12_months").exists()
