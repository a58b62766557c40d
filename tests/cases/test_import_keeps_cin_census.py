"""The Children in Need census import keeps its own rows for the indicators: referrals,
assessments, section 47 enquiries and child protection plans, once each."""

import datetime as dt

import pytest

from auditloop.cases.models import Assessment, ImportJob, ProtectionPlan, Referral, Section47Enquiry
from tests.cases.importing import FIXTURES, run_import

pytestmark = pytest.mark.django_db
S = ImportJob.Status
SAMPLE = FIXTURES / "cin_census.xml"
d = dt.date


def census(*children: str) -> tuple[str, bytes]:
    body = "".join(f"<Child>{c}</Child>" for c in children)
    return ("cin.xml", f'<?xml version="1.0"?><Message xmlns="http://www.dfe.gov.uk/CIN">'
                       f"<Header/><Children>{body}</Children></Message>".encode())


def child(ref: str, *details: str) -> str:
    episodes = "".join(f"<CINdetails>{x}</CINdetails>" for x in details)
    return (f"<ChildIdentifiers><LAchildID>{ref}</LAchildID><PersonBirthDate>2015-01-01"
            f"</PersonBirthDate><Sex>F</Sex></ChildIdentifiers>{episodes}")


def test_the_census_sample_keeps_each_childs_referrals_assessments_enquiries_and_plans():
    job = run_import("cin_census", SAMPLE)
    assert job.status == S.SUCCEEDED, job.problems
    assert set(Referral.objects.values_list(
        "case__reference", "referred_on", "source", "no_further_action", "closed_on",
        "closure_reason", "origin")) == {
        ("CIN5001", d(2025, 9, 1), "5A", False, None, "", "cin_census"),
        ("CIN5002", d(2025, 11, 3), "2A", False, None, "", "cin_census"),
        ("CIN5003", d(2025, 6, 2), "6", False, d(2025, 7, 14), "RC8", "cin_census"),
        ("CIN5004", d(2026, 3, 20), "3A", False, None, "", "cin_census"),
    }
    # Support was needed where a plan followed; not where the episode closed with RC8.
    assert set(Assessment.objects.values_list("case__reference", "started_on",
                                              "authorised_on", "needs_support")) == {
        ("CIN5001", d(2025, 9, 2), d(2025, 10, 10), True),
        ("CIN5002", d(2025, 11, 4), d(2025, 12, 15), True),
        ("CIN5003", d(2025, 6, 3), d(2025, 7, 14), False),
        ("CIN5004", d(2026, 3, 23), None, None),
    }
    assert list(Section47Enquiry.objects.values_list(
        "case__reference", "started_on", "conference_on", "conference_not_required")) == [
        ("CIN5001", d(2025, 9, 5), d(2025, 9, 24), False)]
    assert list(ProtectionPlan.objects.values_list(
        "case__reference", "started_on", "ended_on", "previous_plans", "initial_category",
        "latest_category")) == [("CIN5001", d(2025, 9, 24), None, 0, "NEG", "NEG")]
    assert job.summary["return_rows_created"] == 10


def test_importing_the_census_again_changes_nothing():
    run_import("cin_census", SAMPLE)
    stamps = sorted(Referral.objects.values_list("pk", "updated_at"))
    again = run_import("cin_census", SAMPLE)
    assert (again.summary["return_rows_created"], again.summary["return_rows_updated"]) == (0, 0)
    assert sorted(Referral.objects.values_list("pk", "updated_at")) == stamps
    assert (Referral.objects.count(), Assessment.objects.count(),
            Section47Enquiry.objects.count(), ProtectionPlan.objects.count()) == (4, 4, 1, 1)


def test_a_changed_census_updates_the_rows_it_changed():
    plan = ("<CINreferralDate>2024-01-10</CINreferralDate><ReferralNFA>false</ReferralNFA>"
            "<ChildProtectionPlans><CPPstartDate>2024-02-01</CPPstartDate>{end}"
            "<NumberOfPreviousCPP>1</NumberOfPreviousCPP></ChildProtectionPlans>")
    run_import("cin_census", census(child("C1", plan.format(end=""))))
    first = ProtectionPlan.objects.get()
    job = run_import("cin_census", census(child(
        "C1", plan.format(end="<CPPendDate>2026-03-01</CPPendDate>"))))
    assert (job.summary["return_rows_created"], job.summary["return_rows_updated"]) == (0, 1)
    after = ProtectionPlan.objects.get()
    assert (after.pk, after.ended_on, after.previous_plans) == (first.pk, d(2026, 3, 1), 1)


def test_two_episodes_of_one_child_keep_two_referrals_and_a_bad_flag_is_left_blank():
    job = run_import("cin_census", census(child(
        "C2",
        "<CINreferralDate>2025-01-10</CINreferralDate><ReferralNFA>true</ReferralNFA>"
        "<CINclosureDate>2025-01-10</CINclosureDate><ReasonForClosure>RC8</ReasonForClosure>",
        "<CINreferralDate>2025-06-01</CINreferralDate><ReferralNFA>perhaps</ReferralNFA>")))
    assert job.status == S.SUCCEEDED, job.problems
    assert list(Referral.objects.values_list("referred_on", "no_further_action")) == [
        (d(2025, 1, 10), True), (d(2025, 6, 1), None)]
