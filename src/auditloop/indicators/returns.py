"""Indicators computed from the statutory returns the register imports: the Children in Need
census, the SSDA903 and Ofsted's Annex A, with the register's own dates for drift.

Each reads the rows the imports keep (cases.models: Referral, Assessment, Section47Enquiry,
ProtectionPlan, CareEpisode, MissingEpisode, CareLeaverStatus, Contact), for one calendar
month and one scope (the case's service and locality now). A function returns None when
there is nothing to count from: no row of its return in the month (or ever, for the tables
a return may leave out: 903 Missing and OC3). The cases a signal would point at go with
each figure, so that it can propose an audit of those very children: those counted where
more is worse or neither (the children re-referred), those left out where more is better
(the assessments that ran late).

Seed 004 (the scrutiny note on monthly and indicator-led audits) names six indicators that
led its audits; its preset's indicator filters are each driven by one indicator here
(PRESET_004_FILTERS below); its sixth, Early Help step-up and step-down, is driven by the
two step indicators, counted from the register's step events and marks (not a return).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import Max, Min, Model, Q, QuerySet

from auditloop.cases.models import (
    Assessment,
    CareEpisode,
    CareLeaverStatus,
    Case,
    CaseEvent,
    Contact,
    MissingEpisode,
    ProtectionPlan,
    Referral,
    Section47Enquiry,
)
from auditloop.common.dates import add_months
from auditloop.indicators.registry import (
    COUNCIL,
    Kind,
    Measure,
    Polarity,
    Scope,
    memo,
    register,
)
from auditloop.indicators.working_days import working_days_between
from auditloop.people.models import Service
from auditloop.programme import drift
from auditloop.programme.services.selection import thresholds
from auditloop.standards.selectors import framework_settings_row

CIN = "Children in Need census"
CLA = "SSDA903"
ANNEX_A = "Ofsted Annex A"
ONE_DAY = dt.timedelta(days=1)

# Seed 004's preset (004-focus-areas.yaml): each indicator filter and the indicator that
# drives it. Early Help step-up and step-down drives two (EARLY_HELP_STEPS below).
PRESET_004_FILTERS: dict[str, str] = {
    "Re referrals (% was raising)": "re_referrals_12_months",
    "Placement Stability (% of children with 3 or more placements increasing)":
        "three_or_more_placements",
    "Use of Police Powers (numbers high against statistical neighbours)":
        "police_protection_starts",
    "Thresholds (high number of families receiving one visit and NFA)":
        "assessments_no_further_action",
    "Care Planning (plans detail actions for parents, not outcomes)":
        "child_protection_plans_two_years",
}


def _filters(key: str) -> list[str]:
    return [f for f, k in PRESET_004_FILTERS.items() if k == key]


def _scoped[M: Model](queryset: QuerySet[M], scope: Scope) -> QuerySet[M]:
    return scope.cases(queryset, path="case__")


def _proportion(pointed_at: Iterable[int], hits: int, total: int) -> Measure | None:
    """`hits` of `total`, with the cases a signal points at (see the module's note)."""
    if total == 0:
        return None
    return Measure(numerator=hits, denominator=total, cases=sorted(set(pointed_at)))


# ---------------------------------------------------------------- CIN census


@register(
    key="re_referrals_12_months", name="Re-referrals within 12 months",
    definition=(
        "Of the referrals to children's social care in the month, those of a child who had "
        "another referral in the 12 months before (on or after the same day a year earlier "
        "and before this referral), or whose Annex A row counts 2 or more referrals in the "
        "last 12 months (the count includes this referral)."),
    source_fields=["CIN census: LAchildID", "CIN census: CINreferralDate",
                   "Annex A List 3: Date of referral",
                   "Annex A List 3: Number of Referrals in Last 12 Months"],
    kind=Kind.PROPORTION, polarity=Polarity.LOWER, source=CIN,
    hypothesis="{name} {movement} in {month}: were thresholds applied at the front door?",
    preset_filters=_filters("re_referrals_12_months"))
def re_referrals_12_months(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    month = list(_scoped(Referral.objects.filter(referred_on__range=(start, end)), scope)
                 .values_list("pk", "case_id", "referred_on", "referrals_in_12_months"))
    if not month:
        return None
    earlier: dict[int, list[dt.date]] = defaultdict(list)
    for case_id, on in Referral.objects.filter(
            case_id__in={c for _, c, _, _ in month},
            referred_on__gte=add_months(start, -12), referred_on__lte=end,
    ).values_list("case_id", "referred_on"):
        earlier[case_id].append(on)
    hits = []
    for _, case_id, on, count in month:
        year_before = add_months(on, -12)
        if (count is not None and count >= 2) or any(
                year_before <= other < on for other in earlier[case_id]):
            hits.append(case_id)
    return _proportion(hits, len(hits), len(month))


@register(
    key="repeat_child_protection_plans", name="Child protection plans for a second or later time",
    definition=(
        "Of the child protection plans that started in the month, those of a child who had "
        "been on a plan before: the return counts one or more previous plans, or an earlier "
        "plan of the same child is held."),
    source_fields=["CIN census: CPPstartDate", "CIN census: NumberOfPreviousCPP",
                   "Annex A List 7: Child Protection Plan Start Date",
                   "Annex A List 7: Number of Previous Child Protection Plans"],
    kind=Kind.PROPORTION, polarity=Polarity.LOWER, source=CIN,
    hypothesis=("{name} {movement} in {month}: did the earlier plans end with the change "
                "the child needed?"))
def repeat_child_protection_plans(start: dt.date, end: dt.date, scope: Scope
                                  ) -> Measure | None:
    plans = list(_scoped(ProtectionPlan.objects.filter(started_on__range=(start, end)), scope)
                 .values_list("case_id", "started_on", "previous_plans"))
    first_plan = dict(ProtectionPlan.objects.filter(case_id__in={c for c, _, _ in plans})
                      .values("case_id").annotate(first=Min("started_on"))
                      .values_list("case_id", "first"))
    hits = [case_id for case_id, on, previous in plans
            if (previous or 0) >= 1 or first_plan[case_id] < on]
    return _proportion(hits, len(hits), len(plans))


@register(
    key="child_protection_plans_two_years", name="Child protection plans lasting 2 years or more",
    definition=(
        "Of the child protection plans that ended in the month, those that had lasted 2 "
        "years or more (ended on or after the same day two years after they started)."),
    source_fields=["CIN census: CPPstartDate", "CIN census: CPPendDate",
                   "Annex A List 7: Child Protection Plan Start Date",
                   "Annex A List 7: Child Protection Plan End Date"],
    kind=Kind.PROPORTION, polarity=Polarity.LOWER, source=CIN,
    hypothesis=("{name} {movement} in {month}: do the plans set outcomes for the child, or "
                "only actions for the parents?"),
    preset_filters=_filters("child_protection_plans_two_years"))
def child_protection_plans_two_years(start: dt.date, end: dt.date, scope: Scope
                                     ) -> Measure | None:
    plans = list(_scoped(ProtectionPlan.objects.filter(ended_on__range=(start, end)), scope)
                 .values_list("case_id", "started_on", "ended_on"))
    hits = [c for c, began, ended in plans if ended and ended >= add_months(began, 24)]
    return _proportion(hits, len(hits), len(plans))


@register(
    key="assessments_45_working_days", name="Assessments completed within 45 working days",
    definition=(
        "Of the assessments authorised in the month, those authorised within 45 working "
        "days of their start: the start is day 0, and working days leave out weekends and "
        "the bank holidays of England and Wales. The start is the assessment's start date "
        "as the census and Annex A record it (Working Together's 45 days run from the "
        "referral: the same day when the assessment starts at referral)."),
    source_fields=["CIN census: AssessmentActualStartDate",
                   "CIN census: AssessmentAuthorisationDate",
                   "Annex A List 4: Continuous Assessment Start Date",
                   "Annex A List 4: Continuous Assessment Date of Authorisation"],
    kind=Kind.PROPORTION, polarity=Polarity.HIGHER, source=CIN,
    hypothesis=("{name} {movement} in {month}: what held the late assessments up, and did "
                "the child wait for help?"))
def assessments_45_working_days(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    rows = list(_scoped(Assessment.objects.filter(authorised_on__range=(start, end)), scope)
                .values_list("case_id", "started_on", "authorised_on"))
    late = [c for c, began, done in rows
            if done is not None and working_days_between(began, done) > 45]
    return _proportion(late, len(rows) - len(late), len(rows))


@register(
    key="section_47_conference_15_working_days",
    name="Section 47 enquiries leading to an initial conference within 15 working days",
    definition=(
        "Of the section 47 enquiries whose initial child protection conference was held in "
        "the month, those whose conference was within 15 working days of the strategy "
        "discussion that started the enquiry (day 0; weekends and the bank holidays of "
        "England and Wales left out)."),
    source_fields=["CIN census: S47ActualStartDate", "CIN census: DateOfInitialCPC",
                   "Annex A List 5: Strategy discussion initiating Section 47 Enquiry Start "
                   "Date", "Annex A List 5: Date of Initial Child Protection Conference"],
    kind=Kind.PROPORTION, polarity=Polarity.HIGHER, source=CIN,
    hypothesis=("{name} {movement} in {month}: were children left without a protection "
                "plan while conferences waited?"))
def section_47_conference_15_working_days(start: dt.date, end: dt.date, scope: Scope
                                          ) -> Measure | None:
    rows = list(_scoped(Section47Enquiry.objects.filter(conference_on__range=(start, end)),
                        scope).values_list("case_id", "started_on", "conference_on"))
    late = [c for c, began, held in rows
            if held is not None and working_days_between(began, held) > 15]
    return _proportion(late, len(rows) - len(late), len(rows))


@register(
    key="assessments_no_further_action",
    name="Assessments ending with no further action",
    definition=(
        "Of the assessments authorised in the month whose outcome is known, those after "
        "which the child needed no children's social care support: Annex A List 4 answers "
        "No, or the census episode closed with RC8 (closed after assessment, no further "
        "action) and no plan followed."),
    source_fields=["Annex A List 4: Continuous Assessment Date of Authorisation",
                   "Annex A List 4: Was the child assessed as requiring LA children's social "
                   "care support?", "CIN census: AssessmentAuthorisationDate",
                   "CIN census: ReasonForClosure"],
    kind=Kind.PROPORTION, polarity=Polarity.NEITHER, source=CIN,
    hypothesis=("{name} {movement} in {month}: were families seen once and closed when "
                "they needed help?"),
    preset_filters=_filters("assessments_no_further_action"))
def assessments_no_further_action(start: dt.date, end: dt.date, scope: Scope
                                  ) -> Measure | None:
    rows = list(_scoped(Assessment.objects.filter(authorised_on__range=(start, end),
                                                  needs_support__isnull=False), scope)
                .values_list("case_id", "needs_support"))
    hits = [c for c, needs in rows if needs is False]
    return _proportion(hits, len(hits), len(rows))


# ---------------------------------------------------------------- SSDA903

# RNE codes of an episode that starts a placement (S: started to be looked after; P, T, B,
# U: the placement changed); L changes the legal status only.
PLACEMENT_STARTS = frozenset({"S", "P", "T", "B", "U"})
# Legal statuses V3 and V4 are short breaks (respite): not a child in care's placements.
SHORT_BREAKS = frozenset({"V3", "V4"})
# 903 legal status L1: under police protection and in local authority accommodation.
POLICE_PROTECTION = "L1"


# 903 PLACE A3 to A6: placed for adoption (with consent or a placement order, with the
# child's foster carers or not).
ADOPTION_PLACEMENTS = frozenset({"A3", "A4", "A5", "A6"})


class _Episode(NamedTuple):
    began: dt.date
    ended: dt.date | None
    rne: str
    place: str


def _episodes(scope: Scope, until: dt.date) -> dict[int, list[_Episode]]:
    """Each child's episodes that started on or before `until`, short breaks left out, in
    order."""
    out: dict[int, list[_Episode]] = defaultdict(list)
    rows = _scoped(CareEpisode.objects.filter(started_on__lte=until)
                   .exclude(legal_status__in=SHORT_BREAKS), scope)
    for case_id, began, ended, rne, place in rows.order_by("case_id", "started_on").values_list(
            "case_id", "started_on", "ended_on", "reason_new", "placement"):
        out[case_id].append(_Episode(began, ended, rne, place.upper()))
    return out


def _in_care_on(episodes: list[_Episode], day: dt.date) -> int | None:
    """The index of the episode the child was in on `day` (started on or before it, not
    ended by it), or None."""
    for i in range(len(episodes) - 1, -1, -1):
        ep = episodes[i]
        if ep.began <= day and (ep.ended is None or ep.ended > day):
            return i
    return None


def _placement_start(eps: list[_Episode], i: int, floor: int = 0) -> int:
    """The index of the episode that started the placement episode `i` is in: back through
    the episodes that changed only the legal status (RNE L), no further than `floor`."""
    while i > floor and eps[i].rne not in PLACEMENT_STARTS:
        i -= 1
    return i


@register(
    key="three_or_more_placements", name="Children looked after with 3 or more placements",
    definition=(
        "Of the children looked after on the month's last day, those who had 3 or more "
        "placements in the 12 months to that day: the placement they were in when the 12 "
        "months began, if any, and each episode in the 12 months that started a placement "
        "(RNE S, P, T, B or U). Short breaks (legal status V3, V4) are left out."),
    source_fields=["SSDA903 Episodes: CHILD", "SSDA903 Episodes: DECOM",
                   "SSDA903 Episodes: DEC", "SSDA903 Episodes: RNE", "SSDA903 Episodes: LS"],
    kind=Kind.PROPORTION, polarity=Polarity.LOWER, source=CLA,
    hypothesis=("{name} {movement} in {month}: were placements matched to children's needs, "
                "and were moves planned?"),
    preset_filters=_filters("three_or_more_placements"))
def three_or_more_placements(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    # The 12 months to the month's last day: from the first day of the month 11 months
    # before (counting back from the last day would start a leap year's window a day late).
    window_start = add_months(start, -11)
    in_care = hits = 0
    cases: list[int] = []
    for case_id, eps in _episodes(scope, end).items():
        if _in_care_on(eps, end) is None:
            continue
        in_care += 1
        moves = sum(1 for ep in eps
                    if ep.rne in PLACEMENT_STARTS and window_start <= ep.began <= end)
        # The placement the child was in when the 12 months began, unless the episode
        # they were in that day started it that day (then it is one of the moves). An
        # episode that changed only the legal status that day continues the placement.
        first = _in_care_on(eps, window_start)
        already = first is not None and not (eps[first].began == window_start
                                             and eps[first].rne in PLACEMENT_STARTS)
        if moves + int(already) >= 3:
            hits += 1
            cases.append(case_id)
    return _proportion(cases, hits, in_care)


@register(
    key="long_term_placement_stability", name="Long-term placement stability",
    definition=(
        "Of the children looked after on the month's last day who were under 16 then and "
        "had been looked after continuously for 2 and a half years or more, those who had "
        "lived in the same placement for 2 years or more, or who were placed for adoption "
        "(PLACE A3 to A6) and whose adoption placement and the placement before it "
        "together had lasted 2 years or more. A period of care runs through episodes that "
        "follow on the same day (until one starts care again, RNE S); a placement runs "
        "through episodes that change only the legal status (RNE L). Short breaks (legal "
        "status V3, V4) are left out."),
    source_fields=["SSDA903 Header: DOB", "SSDA903 Episodes: DECOM", "SSDA903 Episodes: DEC",
                   "SSDA903 Episodes: RNE", "SSDA903 Episodes: PLACE",
                   "SSDA903 Episodes: LS"],
    kind=Kind.PROPORTION, polarity=Polarity.HIGHER, source=CLA,
    hypothesis=("{name} {movement} in {month}: what is unsettling long-term placements, and "
                "are permanence plans being made?"))
def long_term_placement_stability(start: dt.date, end: dt.date, scope: Scope
                                  ) -> Measure | None:
    episodes = _episodes(scope, end)
    born = dict(Case.objects.filter(pk__in=list(episodes), date_of_birth__isnull=False)
                .values_list("pk", "date_of_birth"))
    eligible = 0
    unsettled: list[int] = []
    for case_id, eps in episodes.items():
        now = _in_care_on(eps, end)
        dob = born.get(case_id)
        if now is None or dob is None or add_months(dob, 16 * 12) <= end:
            continue
        first = now
        while first > 0 and eps[first - 1].ended == eps[first].began and eps[first].rne != "S":
            first -= 1
        if add_months(eps[first].began, 30) > end:
            continue
        eligible += 1
        placed = _placement_start(eps, now, first)
        # Placed for adoption: the adoption placement and the placement before it (in
        # the same period of care) count together.
        if eps[placed].place in ADOPTION_PLACEMENTS and placed > first:
            placed = _placement_start(eps, placed - 1, first)
        if add_months(eps[placed].began, 24) > end:
            unsettled.append(case_id)
    return _proportion(unsettled, eligible - len(unsettled), eligible)


@register(
    key="children_missing", name="Children looked after who went missing",
    definition=(
        "Of the children looked after at any time in the month, those with a missing "
        "episode (MISSING = M; away from placement, A, is not counted) that started in the "
        "month. Computed only once the 903 Missing table has been imported."),
    source_fields=["SSDA903 Missing: CHILD", "SSDA903 Missing: MISSING",
                   "SSDA903 Missing: MIS_START", "SSDA903 Episodes: DECOM",
                   "SSDA903 Episodes: DEC"],
    kind=Kind.PROPORTION, polarity=Polarity.LOWER, source=CLA,
    hypothesis=("{name} {movement} in {month}: were return interviews held, and were the "
                "risks outside the home acted on?"))
def children_missing(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    if not MissingEpisode.objects.exists():
        return None
    looked_after = set(_scoped(CareEpisode.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=start), started_on__lte=end), scope)
        .exclude(legal_status__in=SHORT_BREAKS).values_list("case_id", flat=True))
    missing = set(MissingEpisode.objects.filter(
        case_id__in=looked_after, kind=MissingEpisode.Kind.MISSING,
        started_on__range=(start, end)).values_list("case_id", flat=True))
    return _proportion(missing, len(missing), len(looked_after))


@register(
    key="police_protection_starts", name="Children taken into police protection",
    definition=(
        "The children who started an episode of care in the month under police protection "
        "(903 legal status L1), counted once each. Statistical neighbours' figures are "
        "entered by the performance team as the benchmark."),
    source_fields=["SSDA903 Episodes: DECOM", "SSDA903 Episodes: LS"],
    kind=Kind.COUNT, polarity=Polarity.NEITHER, source=CLA,
    hypothesis=("{name} {movement} in {month}: were police powers used where planned "
                "protection could have been?"),
    preset_filters=_filters("police_protection_starts"))
def police_protection_starts(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    rows = _scoped(CareEpisode.objects.all(), scope)
    if not rows.filter(started_on__lte=end).exists():
        return None
    children = sorted(set(rows.filter(started_on__range=(start, end),
                                      legal_status=POLICE_PROTECTION)
                          .values_list("case_id", flat=True)))
    return Measure(numerator=len(children), value=len(children), cases=children)


# A care leaver's status is kept as last imported, without the day it describes. It stands
# for a month when it was imported by the end of the month after (the monthly run, early in
# the next month, follows that month's returns) or before: a status set later would put
# today's answer into an earlier month when a year of history is computed.
CARE_LEAVER_STATUS_TEXT = (
    "The status as last imported stands for the month when it was imported by the end of "
    "the following month or earlier; a status imported or changed later is not counted in "
    "the months before (its earlier answer is not kept).")


def _care_leavers(start: dt.date, scope: Scope) -> QuerySet[CareLeaverStatus]:
    """Care leavers' latest status as last imported, if set by the end of the month after
    the month starting `start`. The 903 closes a child's case when their care ends, so an
    open case is not asked for."""
    return _scoped(CareLeaverStatus.objects.filter(
        updated_at__date__lt=add_months(start, 2)), scope)


@register(
    key="care_leavers_in_touch", name="Care leavers in touch",
    definition=(
        "Of the care leavers whose latest return says whether the council is in touch "
        "(any IN_TOUCH code: YES, NO, DIED, REFU, NREQ, RHOM), those it is in touch with "
        "(903 OC3 IN_TOUCH YES, or Annex A List 9 LA in Touch Yes). "
        + CARE_LEAVER_STATUS_TEXT),
    source_fields=["SSDA903 OC3: IN_TOUCH", "Annex A List 9: LA in Touch"],
    kind=Kind.PROPORTION, polarity=Polarity.HIGHER, source=CLA,
    hypothesis=("{name} {movement} in {month}: are personal advisers keeping in touch, and "
                "do care leavers know how to reach them?"))
def care_leavers_in_touch(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    rows = list(_care_leavers(start, scope).exclude(in_touch_code="")
                .values_list("case_id", "in_touch"))
    out_of_touch = [c for c, yes in rows if not yes]
    return _proportion(out_of_touch, len(rows) - len(out_of_touch), len(rows))


@register(
    key="care_leavers_suitable_accommodation", name="Care leavers in suitable accommodation",
    definition=(
        "Of the care leavers whose accommodation's suitability is known, those in "
        "suitable accommodation (903 OC3 ACCOM with 1 after the letter, or Annex A List 9 "
        "Suitability of Accommodation 'Suitable'). " + CARE_LEAVER_STATUS_TEXT),
    source_fields=["SSDA903 OC3: ACCOM", "Annex A List 9: Suitability of Accommodation"],
    kind=Kind.PROPORTION, polarity=Polarity.HIGHER, source=CLA,
    hypothesis=("{name} {movement} in {month}: are pathway plans securing a home that suits "
                "each young person?"))
def care_leavers_suitable_accommodation(start: dt.date, end: dt.date, scope: Scope
                                        ) -> Measure | None:
    rows = list(_care_leavers(start, scope).filter(suitable__isnull=False)
                .values_list("case_id", "suitable"))
    unsuitable = [c for c, yes in rows if not yes]
    return _proportion(unsuitable, len(rows) - len(unsuitable), len(rows))


# ---------------------------------------------------------------- Annex A and the register

# A contact "led to a referral" when the child was referred on the day or within this many
# days after it.
CONTACT_TO_REFERRAL_DAYS = 28


@register(
    key="contacts_leading_to_referral", name="Contacts that led to a referral",
    definition=(
        "Of the contacts in the month, those after which the same child was referred to "
        "children's social care on the day of the contact or within the 28 days after it; "
        "the rest ended without a referral (advice, signposting, early help or no action). "
        "The council's figure counts every contact; a service's or locality's, the "
        "contacts of children whose case is there (the child's case found by their "
        "identifier)."),
    source_fields=["Annex A List 1: Child Unique ID", "Annex A List 1: Date of Contact",
                   "Annex A List 3: Date of referral", "CIN census: CINreferralDate"],
    kind=Kind.PROPORTION, polarity=Polarity.NEITHER, source=ANNEX_A,
    hypothesis=("{name} {movement} in {month}: are decisions at the front door consistent "
                "with the threshold document?"))
def contacts_leading_to_referral(start: dt.date, end: dt.date, scope: Scope
                                 ) -> Measure | None:
    contacts = list(Contact.objects.filter(contacted_on__range=(start, end))
                    .values_list("case_id", "child_identifier", "contacted_on"))
    if not contacts:
        return None
    # A contact is linked to its child's case when imported; a case made by a later
    # import (the census after Annex A) is found by the child's identifier.
    unlinked = {child for case_id, child, _ in contacts if case_id is None}
    by_reference = dict(Case.objects.filter(reference__in=unlinked)
                        .values_list("reference", "pk")) if unlinked else {}
    rows = [(case_id or by_reference.get(child), on) for case_id, child, on in contacts]
    if not scope.is_council:
        in_scope = set(scope.cases(Case.objects.filter(
            pk__in={c for c, _ in rows if c})).values_list("pk", flat=True))
        rows = [(c, on) for c, on in rows if c in in_scope]
    referred: dict[int, list[dt.date]] = defaultdict(list)
    for case_id, on in Referral.objects.filter(
            case_id__in={c for c, _ in rows if c is not None}, referred_on__gte=start,
            referred_on__lte=end + dt.timedelta(days=CONTACT_TO_REFERRAL_DAYS),
    ).values_list("case_id", "referred_on"):
        referred[case_id].append(on)
    hits = [c for c, on in rows if c is not None and any(
        on <= r <= on + dt.timedelta(days=CONTACT_TO_REFERRAL_DAYS) for r in referred[c])]
    return _proportion(hits, len(hits), len(rows))


@register(
    key="referrals_no_further_action", name="Referrals with no further action",
    definition=(
        "Of the referrals in the month whose outcome at the front door is recorded, those "
        "with no further action (CIN census ReferralNFA true, or Annex A List 3 Referral "
        "NFA? Yes)."),
    source_fields=["CIN census: CINreferralDate", "CIN census: ReferralNFA",
                   "Annex A List 3: Date of referral", "Annex A List 3: Referral NFA?"],
    kind=Kind.PROPORTION, polarity=Polarity.NEITHER, source=CIN,
    hypothesis=("{name} {movement} in {month}: were referrals closed that needed an "
                "assessment, or made that needed none?"))
def referrals_no_further_action(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    rows = list(_scoped(Referral.objects.filter(referred_on__range=(start, end),
                                                no_further_action__isnull=False), scope)
                .values_list("case_id", "no_further_action"))
    hits = [c for c, nfa in rows if nfa]
    return _proportion(hits, len(hits), len(rows))


def _plan_facts(cases: QuerySet[Case], end: dt.date) -> dict[int, drift.PlanFacts]:
    """The dated events the drift rules read, as they stood on `end` (events after it are
    not yet known), for the cases given (a subquery, not a list of ids: a council's open
    cases are tens of thousands)."""
    K = CaseEvent.Kind
    firsts: dict[int, dict[str, dt.date]] = defaultdict(dict)
    lasts: dict[int, dict[str, dt.date]] = defaultdict(dict)
    starts = {pk: began if began is not None and began <= end else None
              for pk, began in cases.values_list("pk", "plan_started_on")}
    events = CaseEvent.objects.filter(case__in=cases.values("pk"), occurred_on__lte=end)
    for r in (events.filter(kind__in=[K.TAF_MEETING, K.REVIEW, K.PLAN_STARTED, K.PLAN_ENDED])
              .values("case_id", "kind").annotate(first=Min("occurred_on"),
                                                   last=Max("occurred_on"))):
        firsts[r["case_id"]][r["kind"]] = r["first"]
        lasts[r["case_id"]][r["kind"]] = r["last"]
    reviews: dict[int, list[dt.date]] = defaultdict(list)
    for case_id, on in events.filter(kind=K.REVIEW).values_list("case_id", "occurred_on"):
        reviews[case_id].append(on)
    out = {}
    for case_id in starts:
        first, last = firsts[case_id], lasts[case_id]
        taf = first.get(K.TAF_MEETING)
        out[case_id] = drift.PlanFacts(
            plan_started_on=max(filter(None, [starts.get(case_id), last.get(K.PLAN_STARTED)]),
                                default=None),
            plan_ended_on=last.get(K.PLAN_ENDED), first_taf_on=taf,
            last_meeting_on=max(filter(None, [last.get(K.TAF_MEETING), last.get(K.REVIEW)]),
                                default=None),
            first_review_after_taf_on=min((r for r in reviews[case_id] if taf and r > taf),
                                          default=None))
    return out


@register(
    key="cases_beyond_drift_thresholds", name="Cases open longer than the drift thresholds",
    definition=(
        "Of the cases open on the month's last day that have a plan start date, those the "
        "framework's drift "
        "rules pick out on that day (the same rules as the audit draw's drift triggers): no "
        "TAF meeting or review within the longest gap accepted, the initial review not held "
        "on time, or a plan open longer than the months after which it is audited or its "
        "coordinator contacted. None when the framework sets no drift threshold."),
    source_fields=["Register: Case.opened_on", "Register: Case.closed_on",
                   "Register: Case.plan_started_on", "Register events: plan started, plan "
                   "ended, TAF meeting, review", "Framework settings: drift thresholds"],
    kind=Kind.PROPORTION, polarity=Polarity.LOWER, source="Case register",
    hypothesis=("{name} {movement} in {month}: are plans reviewed and stepped down or closed "
                "when they should be?"))
def cases_beyond_drift_thresholds(start: dt.date, end: dt.date, scope: Scope
                                  ) -> Measure | None:
    limits = thresholds(framework_settings_row())
    if not limits.any:
        return None
    with_plan = _with_plan(end, scope)
    drifting = _drifting(end, limits)
    hits = [case_id for case_id in with_plan if case_id in drifting]
    return _proportion(hits, len(hits), len(with_plan))


def _open_on(end: dt.date) -> Q:
    """Cases open on `end`."""
    return (Q(opened_on__isnull=True) | Q(opened_on__lte=end)) & (
        Q(closed_on__isnull=True) | Q(closed_on__gt=end))


def _with_plan(end: dt.date, scope: Scope) -> dict[int, drift.PlanFacts]:
    """The cases in `scope` open on `end` that have a plan start date by then, with the
    facts the drift rules read: fetched for the whole council once for the indicators of
    one month (every scope of a `compute_all`), and narrowed to the scope."""
    store = memo()
    key = ("plan facts", end)
    if key not in store:
        council = Case.objects.filter(_open_on(end))
        facts = {c: f for c, f in _plan_facts(council, end).items()
                 if f.plan_started_on is not None}
        where = {pk: (service, locality) for pk, service, locality in
                 council.values_list("pk", "service_id", "locality_id") if pk in facts}
        store[key] = (facts, where)
    facts, where = store[key]
    if scope.is_council:
        return dict(facts)
    return {c: f for c, f in facts.items()
            if (scope.service_id is None or where[c][0] == scope.service_id)
            and (scope.locality_id is None or where[c][1] == scope.locality_id)}


def _drifting(end: dt.date, limits: drift.Thresholds) -> set[int]:
    """The council's cases with a plan that the drift rules pick out on `end` under
    `limits`: worked out once a month for every scope (a case is in three: the council, its
    service, its locality)."""
    store = memo()
    key = ("drifting", end, limits)
    if key not in store:
        store[key] = set()
        for case_id, facts in _with_plan(end, COUNCIL).items():
            found = drift.drift(facts, limits, end)
            if found.audit_reasons or found.contact_months is not None:
                store[key].add(case_id)
    drifting: set[int] = store[key]
    return drifting


def _plan_open(facts: drift.PlanFacts) -> bool:
    """The drift rules' own test of an open plan: started, and not ended since."""
    return facts.plan_started_on is not None and (
        facts.plan_ended_on is None or facts.plan_ended_on < facts.plan_started_on)


def _open_plans_drifting(end: dt.date, scope: Scope, limits: drift.Thresholds
                         ) -> Measure | None:
    """Of the plans open on `end`, those the drift rules pick out under `limits` (a part of
    the framework's thresholds). None when `limits` sets nothing."""
    if not limits.any:
        return None
    plans = [c for c, f in _with_plan(end, scope).items() if _plan_open(f)]
    drifting = _drifting(end, limits)
    hits = [case_id for case_id in plans if case_id in drifting]
    return _proportion(hits, len(hits), len(plans))


@register(
    key="taf_reviews_overdue", name="Plans with TAF meetings or reviews overdue",
    definition=(
        "Of the plans open on the month's last day (a plan start date on the register and "
        "no plan end since), those whose Team Around the Family meetings or reviews are "
        "overdue by the framework's intervals on that day, by the same rules as the audit "
        "draw's drift triggers: no TAF meeting or review within the longest gap accepted "
        "(003: 8 weeks), or the initial review not held within the weeks after the first "
        "TAF meeting (000: 6 weeks). None when the framework sets neither interval."),
    source_fields=["Register: Case.opened_on", "Register: Case.closed_on",
                   "Register: Case.plan_started_on", "Register events: plan started, plan "
                   "ended, TAF meeting, review", "Framework settings: the longest acceptable "
                   "gap between TAF meetings, the initial review after the TAF meeting"],
    kind=Kind.PROPORTION, polarity=Polarity.LOWER, source="Case register",
    hypothesis=("{name} {movement} in {month}: are TAF meetings and reviews held when the "
                "plan says, and is drift noticed by the lead professional's manager?"))
def taf_reviews_overdue(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    limits = thresholds(framework_settings_row())
    return _open_plans_drifting(end, scope, drift.Thresholds(
        taf_gap_weeks=limits.taf_gap_weeks, initial_review_weeks=limits.initial_review_weeks))


@register(
    key="plans_open_too_long", name="Plans open longer than the framework allows",
    definition=(
        "Of the plans open on the month's last day (a plan start date on the register and "
        "no plan end since), those open longer than the months after which the framework "
        "audits the plan (000: 9 months) or contacts its coordinator (000: 12 months), by "
        "the same rules as the audit draw's drift triggers. None when the framework sets "
        "neither."),
    source_fields=["Register: Case.opened_on", "Register: Case.closed_on",
                   "Register: Case.plan_started_on", "Register events: plan started, plan "
                   "ended", "Framework settings: the months after which an open plan is "
                   "audited, or its coordinator contacted"],
    kind=Kind.PROPORTION, polarity=Polarity.LOWER, source="Case register",
    hypothesis=("{name} {movement} in {month}: are plans stepped down or closed when their "
                "outcomes are met, or do they drift?"))
def plans_open_too_long(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    limits = thresholds(framework_settings_row())
    return _open_plans_drifting(end, scope, drift.Thresholds(
        plan_open_audit_months=limits.plan_open_audit_months,
        plan_open_contact_months=limits.plan_open_contact_months))


# A child counted for statutory visits: where the case is (service, locality), the day the
# current plan or care episode began, and whether it is a protection plan.
class _Due(NamedTuple):
    service_id: int
    locality_id: int | None
    began: dt.date
    on_plan: bool


def _visits_due_from(end: dt.date, cp: bool, cla: bool) -> dict[int, _Due]:
    """The children on a protection plan (when `cp`) or in care (when `cla`) on `end`, in
    the whole council. A child on a plan and in care is counted by the plan. Without a
    return's plan or episode, a case open in a child protection or children in care
    service counts from its opening."""
    out: dict[int, _Due] = {}
    where = ("case__service_id", "case__locality_id")
    if cla:
        for case_id, began, service, locality in CareEpisode.objects.filter(
                Q(ended_on__isnull=True) | Q(ended_on__gt=end), started_on__lte=end,
        ).values_list("case_id", "started_on", *where):
            if case_id not in out or out[case_id].began < began:
                out[case_id] = _Due(service, locality, began, False)
        # Annex A List 8 holds children in care without a 903 episode: their case's
        # opening in a children in care service is the start.
        for case_id, service, locality, opened in Case.objects.filter(
                _open_on(end), service__kind=Service.Kind.CLA, opened_on__isnull=False,
        ).values_list("pk", "service_id", "locality_id", "opened_on"):
            if opened is not None:  # filtered so; the type does not know
                out.setdefault(case_id, _Due(service, locality, opened, False))
    if cp:
        for case_id, began, service, locality in ProtectionPlan.objects.filter(
                Q(ended_on__isnull=True) | Q(ended_on__gt=end), started_on__lte=end,
        ).values_list("case_id", "started_on", *where):
            out[case_id] = _Due(service, locality, began, True)
        # A case open in a child protection service with no plan row (a register fed by
        # the monthly case list only): its opening is the plan's start.
        for case_id, service, locality, opened in Case.objects.filter(
                _open_on(end), service__kind=Service.Kind.CP, opened_on__isnull=False,
        ).exclude(protection_plans__started_on__lte=end).values_list(
                "pk", "service_id", "locality_id", "opened_on"):
            if opened is not None:
                out[case_id] = _Due(service, locality, opened, True)
    return out


def _visits_late(end: dt.date, cp_days: int | None, cla_weeks: int | None
                 ) -> dict[int, tuple[_Due, bool]]:
    """The children counted in the whole council (those with a visit recorded by `end`),
    each with whether their visit is overdue: fetched once for every scope of a month."""
    store = memo()
    key = ("statutory visits", end, cp_days, cla_weeks)
    if key not in store:
        due_from = _visits_due_from(end, cp_days is not None, cla_weeks is not None)
        # Every visited case's last visit, kept where a visit is due: a list of thousands
        # of ids in the query would outgrow SQLite's limit on a large council.
        last_visit = CaseEvent.objects.filter(
            kind=CaseEvent.Kind.STATUTORY_VISIT, occurred_on__lte=end,
        ).values("case_id").annotate(last=Max("occurred_on")).values_list("case_id", "last")
        found: dict[int, tuple[_Due, bool]] = {}
        for case_id, visited in last_visit:
            due = due_from.get(case_id)
            if due is None:
                continue
            since = max(visited, due.began)
            if due.on_plan:
                late = cp_days is not None and working_days_between(since, end) > cp_days
            else:
                late = cla_weeks is not None and (end - since).days > cla_weeks * 7
            found[case_id] = (due, late)
        store[key] = found
    result: dict[int, tuple[_Due, bool]] = store[key]
    return result


@register(
    key="statutory_visits_overdue", name="Statutory visits overdue",
    definition=(
        "Of the children on a child protection plan or in care on the month's last day "
        "whose visit dates the register holds (a statutory visit recorded on or before that "
        "day), those not visited within the framework's interval by that day: for a child "
        "on a plan, more working days (England and Wales bank holidays left out) since the "
        "last visit than the council's standard; for a child in care, more weeks than its "
        "standard. The interval runs from the last visit, or from the start of the current "
        "plan or care episode when that is later (a new placement is visited afresh); a "
        "case open in a child protection or children in care service with no plan or "
        "episode from a return counts from its opening. A child both on a plan and in care "
        "is counted once, by the plan's interval. None "
        "when the framework sets neither interval, or no visit dates were imported."),
    source_fields=["Annex A List 7: Date of the Last Statutory Visit",
                   "Annex A List 8: Date of Last Social Work Visit",
                   "CIN census: CPPstartDate", "CIN census: CPPendDate",
                   "SSDA903 Episodes: DECOM", "SSDA903 Episodes: DEC",
                   "Annex A List 8: Date Started to be Looked After",
                   "Framework settings: the longest gaps between statutory visits (a child on "
                   "a protection plan, a child in care)"],
    kind=Kind.PROPORTION, polarity=Polarity.LOWER, source=ANNEX_A,
    hypothesis=("{name} {movement} in {month}: are children seen as often as their plans "
                "say, and seen alone?"))
def statutory_visits_overdue(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    row = framework_settings_row()
    cp_days, cla_weeks = row.cp_visit_working_days, row.cla_visit_weeks
    if cp_days is None and cla_weeks is None:
        return None
    counted = {case_id: late for case_id, (due, late) in
               _visits_late(end, cp_days, cla_weeks).items()
               if (scope.service_id is None or due.service_id == scope.service_id)
               and (scope.locality_id is None or due.locality_id == scope.locality_id)}
    hits = [case_id for case_id, late in counted.items() if late]
    return _proportion(hits, len(hits), len(counted))


EARLY_HELP_STEPS = "Early Help step-up and step-down"


def _steps(start: dt.date, end: dt.date, scope: Scope, kind: str, step: str
           ) -> Measure | None:
    """The cases stepped (`kind` a step event, `step` the register's step mark) in the
    month: a step event dated in it, or a case marked as stepped that opened in it and
    has no step event of the kind (the monthly list marks the step, the case's opening in
    the new service is its day). None for the months before the register's first step of
    either kind: it holds no step history then, and a run of noughts would be no count."""
    store = memo()
    if "first step" not in store:
        firsts = [CaseEvent.objects.filter(kind__in=(
                      CaseEvent.Kind.STEP_UP, CaseEvent.Kind.STEP_DOWN)).aggregate(
                      first=Min("occurred_on"))["first"],
                  Case.objects.exclude(step=Case.Step.NONE).aggregate(
                      first=Min("opened_on"))["first"]]
        store["first step"] = min((f for f in firsts if f is not None), default=None)
    first: dt.date | None = store["first step"]
    if first is None or end < first.replace(day=1):
        return None
    dated = set(_scoped(CaseEvent.objects.filter(kind=kind, occurred_on__range=(start, end)),
                        scope).values_list("case_id", flat=True))
    marked = set(scope.cases(Case.objects.filter(step=step, opened_on__range=(start, end))
                             .exclude(events__kind=kind)).values_list("pk", flat=True))
    stepped = sorted(dated | marked)
    return Measure(numerator=len(stepped), value=len(stepped), cases=stepped)


@register(
    key="stepped_up_to_social_care", name="Cases stepped up from early help to social care",
    definition=(
        "The cases stepped up from early help to children's social care in the month, "
        "counted once each: a 'stepped up' event on the register dated in the month, or a "
        "case the monthly case list marks as stepped up whose case opened in the month. "
        "Not counted for the months before the register's first step of either kind "
        "(it holds no step history for them)."),
    source_fields=["Register events: stepped up", "Monthly case list: Step",
                   "Monthly case list: Opened"],
    kind=Kind.COUNT, polarity=Polarity.NEITHER, source="Case register",
    hypothesis=("{name} {movement} in {month}: was early help offered at the right level, "
                "and did risk grow while the family waited?"),
    preset_filters=[EARLY_HELP_STEPS])
def stepped_up_to_social_care(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    return _steps(start, end, scope, CaseEvent.Kind.STEP_UP, Case.Step.STEP_UP)


@register(
    key="stepped_down_to_early_help", name="Cases stepped down from social care to early help",
    definition=(
        "The cases stepped down from children's social care to early help in the month, "
        "counted once each: a 'stepped down' event on the register dated in the month, or a "
        "case the monthly case list marks as stepped down whose case opened in the month. "
        "Not counted for the months before the register's first step of either kind "
        "(it holds no step history for them)."),
    source_fields=["Register events: stepped down", "Monthly case list: Step",
                   "Monthly case list: Opened"],
    kind=Kind.COUNT, polarity=Polarity.NEITHER, source="Case register",
    hypothesis=("{name} {movement} in {month}: were the risks reduced and the plan's "
                "outcomes met before the step down, and did the family know who to call?"),
    preset_filters=[EARLY_HELP_STEPS])
def stepped_down_to_early_help(start: dt.date, end: dt.date, scope: Scope) -> Measure | None:
    return _steps(start, end, scope, CaseEvent.Kind.STEP_DOWN, Case.Step.STEP_DOWN)
