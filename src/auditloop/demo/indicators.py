"""The demo council's indicators: a history of referrals as the CIN census and Annex A would
have brought them, in which re-referrals within 12 months rise for a few months and fall back,
and referrals closed with no further action rise in the last two months
(every figure "(demo)": a shape chosen so that the pages have something to show, not a rule
of any seed). Computing the months (the real `compute_indicators` code) turns the rise into
a signal of concern that proposes a themed audit; the demo accepts it for the monthly cycle
after the rise began, whose audits are its findings: 004's loop from numbers to audits and
back to numbers, which README.md tells the user to look for on the indicators page.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from auditloop.cases.models import Case, Referral, ReturnRow
from auditloop.common.dates import add_months
from auditloop.demo.structure import DEMO_SOURCE
from auditloop.indicators import services, signals
from auditloop.indicators.models import IndicatorValue, Signal
from auditloop.people.models import Person
from auditloop.programme.models import Cycle, ThemeProposal
from auditloop.standards.models import FrameworkSettingChange
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import framework_settings_set

COMMAND = FrameworkSettingChange.Source.COMMAND

MONTHS = 24  # (demo) months of referrals, ending with the last complete month
RISE_MONTHS_AGO = (7, 6, 5)  # (demo) the months re-referrals rose, counted back from today
USUAL_SHARE = 0.17  # (demo) the usual share of referrals that are re-referrals
RISEN_SHARE = 0.7  # (demo) during the rise: clear of the p-chart's limit at 20 referrals a month
KEY = "re_referrals_12_months"
TRIES = 50  # random picks of a case that fits before a referral is left out
# (demo) Referrals closed with no further action: about 30%, then three quarters in the last
# two complete months, a signal too recent to have been audited: its proposal waits for the
# QA manager on the proposed themed audits page.
NFA_USUAL, NFA_RISEN, NFA_RISEN_MONTHS_AGO = 0.3, 0.75, (2, 1)
# (demo) The council's visiting standards, which the seeds do not give, so that statutory
# visits overdue is counted from the demo's visits: a child on a protection plan within 10
# working days, a child in care within 6 weeks. A value the council set already is kept.
VISIT_INTERVALS = {"cp_visit_working_days": 10, "cla_visit_weeks": 6}


def _referrals_a_month(cases: int) -> int:
    return max(20, cases // 15)


def _day(rng: random.Random, month: dt.date) -> dt.date:
    return month + dt.timedelta(days=rng.randrange(28))


def build(rng: random.Random, today: dt.date) -> Signal | None:
    """Write the referrals, compute the months (values, signals, proposals) and accept the
    re-referral signal's proposal for the cycle of the month after it began. Returns the
    signal, or None when the council has too few cases."""
    months = write_referrals(rng, today)
    if months is None:
        return None
    set_visit_intervals()
    services.compute_months(*months)
    return _accept(today)


def set_visit_intervals() -> None:
    row = framework_settings_row()
    wanted = {k: v for k, v in VISIT_INTERVALS.items() if getattr(row, k) is None}
    if wanted:
        framework_settings_set(values=wanted, actor=None, source=COMMAND,
                               reason="(demo) The demo council's visiting standards")


def write_referrals(rng: random.Random, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The demo's referrals for MONTHS months to the last complete one; returns the first
    and last month, or None when the council has too few cases."""
    case_ids = list(Case.objects.filter(source=DEMO_SOURCE).order_by("pk")
                    .values_list("pk", flat=True))
    if len(case_ids) < 60:
        return None
    this_month = today.replace(day=1)
    first = add_months(this_month, -MONTHS)
    per_month = _referrals_a_month(len(case_ids))
    last_referred: dict[int, dt.date] = {}
    recent: list[tuple[int, dt.date]] = []  # referrals of the last year, to refer again
    rows: list[Referral] = []
    rise = {add_months(this_month, -n) for n in RISE_MONTHS_AGO}
    nfa_rise = {add_months(this_month, -n) for n in NFA_RISEN_MONTHS_AGO}
    for i in range(MONTHS):
        month = add_months(first, i)
        share = RISEN_SHARE if month in rise else USUAL_SHARE
        nfa = NFA_RISEN if month in nfa_rise else NFA_USUAL
        recent = [(c, on) for c, on in recent if on >= add_months(month, -12)]
        taken: set[int] = set()
        for _ in range(per_month):
            again = rng.random() < share
            day = _day(rng, month)
            year_before = add_months(day, -12)
            # A few random tries rather than a scan of every case: the large council too.
            case: int | None = None
            if again:
                # A child referred in the last year, or one whose Annex A row says so.
                for _ in range(TRIES):
                    if not recent:
                        break
                    c, on = recent[rng.randrange(len(recent))]
                    if year_before <= on < month and c not in taken:
                        case = c
                        break
                if case is None:
                    case = rng.choice(case_ids)
                count = 2
            else:
                for _ in range(TRIES):
                    c = rng.choice(case_ids)
                    if c not in taken and (c not in last_referred
                                           or last_referred[c] < year_before):
                        case = c
                        break
                if case is None:
                    continue
                count = 1
            if case in taken:
                continue
            taken.add(case)
            last_referred[case] = day
            recent.append((case, day))
            rows.append(Referral(case_id=case, referred_on=day, referrals_in_12_months=count,
                                 origin=ReturnRow.Origin.CIN_CENSUS,
                                 no_further_action=rng.random() < nfa))
    Referral.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return first, add_months(this_month, -1)




def _accept(today: dt.date) -> Signal | None:
    """The QA manager accepted the proposal for the next month's cycle, back then: its
    audits are the proposal's findings on the indicators page."""
    signal = (Signal.objects.filter(indicator__key=KEY, service__isnull=True,
                                    locality__isnull=True, meaning=Signal.Meaning.CONCERN)
              .order_by("first_period").last())
    if signal is None:
        return None
    if signal.proposal_id is None:
        signals.propose(signal)
    proposal = ThemeProposal.objects.get(pk=signal.proposal_id or 0)
    cycle = Cycle.objects.filter(kind=Cycle.Kind.MONTHLY, period_start=add_months(
        signal.first_period, 1)).first()
    if cycle is None or not proposal.is_open:
        return signal  # a short history: the proposal waits for the QA manager
    qa = Person.objects.filter(user__username="demo-qa_manager").first()
    proposal.cycle = cycle
    proposal.decided_by = qa
    proposal.decided_at = timezone.make_aware(dt.datetime.combine(
        cycle.period_start - dt.timedelta(days=3), dt.time(10)))
    proposal.workflow.move(proposal, to=ThemeProposal.Status.ACCEPTED,
                           actor=qa, reason=proposal.hypothesis,
                           also_save=["cycle", "decided_by", "decided_at"])
    return signal


def remove() -> int:
    """The demo's referrals go with its cases; the values and signals computed from them,
    and the proposals the signals made, go here (they hang off no demo row). The
    indicators themselves, with any target set, stay."""
    removed = int(ThemeProposal.objects.filter(source=ThemeProposal.Source.INDICATOR)
                  .delete()[0])
    removed += int(Signal.objects.all().delete()[0])
    return removed + int(IndicatorValue.objects.all().delete()[0])
