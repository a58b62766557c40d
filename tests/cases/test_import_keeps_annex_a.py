"""The Annex A import keeps its lists' own rows for the indicators: contacts (List 1),
referrals, assessments, section 47 enquiries, child protection plans and care leavers'
status, with extra columns read leniently so no row fails that imported before."""

import datetime as dt

import pytest

from auditloop.cases.models import (
    Assessment,
    CareLeaverStatus,
    Case,
    Contact,
    ImportJob,
    ProtectionPlan,
    Referral,
    Section47Enquiry,
)
from tests.cases.importing import ANNEX_A_SAMPLE, run_import, xlsx_bytes
from tests.cases.test_import_annex_a import CHILD, DISABILITY, HEADERS, TEAM_WORKER

pytestmark = pytest.mark.django_db
S = ImportJob.Status
d = dt.date
LISTS = {
    **HEADERS,
    1: [*CHILD, "Date of Contact", "Contact Source"],
    5: [*CHILD, DISABILITY, "Strategy discussion initiating Section 47 Enquiry Start Date",
        "Was an Initial Child Protection Conference deemed unnecessary?",
        "Date of Initial Child Protection Conference",
        "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        "Number of Section 47 Enquiries in the last 12 months",
        "Number of ICPCs in the last 12 months", *TEAM_WORKER],
}


def row(list_no: int, **values: object) -> list[object]:
    header = LISTS[list_no]
    named = {"Child Unique ID": values.pop("child"), "Gender": "b) Female",
             "Ethnicity": "a) WBRI", "Date of Birth": "01/02/2015"}
    named.update({k.replace("_", " "): v for k, v in values.items()})
    assert not set(named) - set(header), set(named) - set(header)
    return [named.get(h) for h in header]


def workbook(lists: dict[int, list[list[object]]]) -> tuple[str, bytes]:
    sheets = {f"List_{n}": [[f"List {n}: a title"], LISTS[n], *rows] for n, rows in lists.items()}
    return "annex_a.xlsx", xlsx_bytes(sheets)


def test_the_ofsted_sample_keeps_its_one_contact_linked_to_the_childs_case():
    job = run_import("annex_a", ANNEX_A_SAMPLE, accept_valid_rows=True)
    assert job.status == S.PARTIAL
    contact = Contact.objects.get()
    assert (contact.child_identifier, contact.contacted_on, contact.source, contact.origin) == (
        "1001", d(2010, 1, 1), "POLICE", "annex_a")
    assert contact.case == Case.objects.get(reference="1001")
    # The contact is kept outside the rows counted: the summary is the sample's as before.
    assert (job.rows_total, job.summary["rows"]) == (10, 9)
    again = run_import("annex_a", ANNEX_A_SAMPLE, accept_valid_rows=True)
    assert (again.summary["return_rows_created"], again.summary["return_rows_updated"]) == (0, 0)
    assert Contact.objects.count() == 1


def test_a_contact_for_a_child_with_no_case_is_kept_without_one():
    job = run_import("annex_a", workbook({
        1: [row(1, child="C9", Date_of_Contact="03/03/2026", Contact_Source="q) 6: Police"),
            row(1, child="C9", Date_of_Contact="not a date", Contact_Source="School")],
        3: [row(3, child="C1", Date_of_referral="04/03/2026", **{"Referral NFA?": "No"})],
    }))
    assert job.status == S.SUCCEEDED, job.problems
    assert list(Contact.objects.values_list("child_identifier", "contacted_on", "source",
                                            "case")) == [("C9", d(2026, 3, 3), "Police", None)]


def test_the_lists_rows_are_kept_with_their_extra_columns():
    job = run_import("annex_a", workbook({
        3: [row(3, child="C1", Date_of_referral="04/03/2026", Referral_Source="a) Police",
                **{"Referral NFA?": "b) No", "Number of Referrals in Last 12 Months": 2})],
        4: [row(4, child="C1", Continuous_Assessment_Start_Date="05/03/2026",
                Continuous_Assessment_Date_of_Authorisation="20/04/2026",
                **{"Was the child assessed as requiring LA children’s social care support":
                   "Yes"})],
        5: [row(5, child="C1", **{
            "Strategy discussion initiating Section 47 Enquiry Start Date": "06/03/2026",
            "Was an Initial Child Protection Conference deemed unnecessary?": "No",
            "Date of Initial Child Protection Conference": "25/03/2026",
            "Did the Initial Child Protection Conference Result in a Child Protection Plan":
                "Yes"})],
        7: [row(7, child="C1", Child_Protection_Plan_Start_Date="25/03/2026",
                Initial_Category_of_Abuse="b) Neglect", Latest_Category_of_Abuse="b) Neglect",
                **{"Subject to Emergency Protection Order or Protected Under Police Powers in "
                   "Last Six Months (Y/N)": "Y",
                   "Number of Previous Child Protection Plans": "one"})],
        9: [row(9, child="C2", **{"LA In Touch ": "a) Yes",
                                  "Type of Accommodation": "Independent living",
                                  "Suitability of Accommodation": "Not suitable",
                                  "Activity Status": "Education"})],
    }))
    assert job.status == S.SUCCEEDED, job.problems
    assert list(Referral.objects.values_list(
        "case__reference", "referred_on", "source", "no_further_action",
        "referrals_in_12_months")) == [("C1", d(2026, 3, 4), "Police", False, 2)]
    assert list(Assessment.objects.values_list("started_on", "authorised_on",
                                               "needs_support")) == [
        (d(2026, 3, 5), d(2026, 4, 20), True)]
    assert list(Section47Enquiry.objects.values_list(
        "started_on", "conference_on", "conference_not_required", "plan_from_conference")) == [
        (d(2026, 3, 6), d(2026, 3, 25), False, True)]
    # "one" is not a number: left blank, and the row still imports.
    assert list(ProtectionPlan.objects.values_list(
        "started_on", "ended_on", "previous_plans", "initial_category",
        "emergency_protection")) == [(d(2026, 3, 25), None, None, "Neglect", True)]
    assert list(CareLeaverStatus.objects.values_list(
        "case__reference", "in_touch", "accommodation", "suitable", "activity")) == [
        ("C2", True, "Independent living", False, "Education")]
    plan_ended = run_import("annex_a", workbook({
        7: [row(7, child="C1", Child_Protection_Plan_Start_Date="25/03/2026",
                Child_Protection_Plan_End_Date="30/06/2026",
                **{"Number of Previous Child Protection Plans": 1})]}))
    assert plan_ended.summary["return_rows_updated"] == 1
    assert list(ProtectionPlan.objects.values_list("ended_on", "previous_plans")) == [
        (d(2026, 6, 30), 1)]
