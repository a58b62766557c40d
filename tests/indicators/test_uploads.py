"""The performance analyst's upload of indicator values (indicators/uploads.py): who may
upload, the template, a new indicator entered with its name, benchmarks and source; the same
file twice changes nothing; a changed figure updates its month in place; bad rows and bad
files store nothing and say what to do (or the valid rows are stored and the rest listed);
computed indicators take only their target and averages; signals are raised afterwards."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from auditloop.common.spreadsheets import UploadedFile
from auditloop.indicators import uploads
from auditloop.indicators.models import Indicator, IndicatorValue, Signal
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.programme.models import ThemeProposal
from tests.factories import LocalityFactory, ServiceFactory
from tests.indicators.test_signals import STEADY, _indicator

pytestmark = pytest.mark.django_db
UPLOAD = reverse("indicators:upload")
TEMPLATE = reverse("indicators:upload_template")
HEADER = ("Indicator key,Indicator name,Month,Value,Numerator,Denominator,Target,"
          "England average,Statistical neighbours average,Source,Service,Locality")
ROWS = [
    "timely_visits,Statutory visits on time,2026-09,,45,50,95%,91%,93%,LCS visits report,,",
    "timely_visits,Statutory visits on time,2026-10,0.92,46,50,95%,91%,93%,LCS visits report,,",
    "contacts_rate,Contacts per 10000 children,2026-10,312.5,,,300,296.1,305.4,ChAT,,",
]


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


@pytest.fixture
def analyst(role_client) -> tuple[Client, Person]:  # type: ignore[no-untyped-def]
    client, person = role_client(Role.PERFORMANCE_ANALYST)
    return client, person


def _post(client: Client, content: bytes, name: str = "figures.csv", **extra: Any) -> str:
    response = client.post(UPLOAD, {"upload": SimpleUploadedFile(name, content),
                                    "encoding": "utf-8", **extra})
    assert response.status_code == 200
    return response.content.decode()


def test_only_the_performance_analyst_uploads(role_client) -> None:  # type: ignore[no-untyped-def]
    for role in (Role.QA_MANAGER, Role.SENIOR_LEADER, Role.PRACTITIONER):
        client, _ = role_client(role)
        assert client.get(UPLOAD).status_code == 403
        assert client.get(TEMPLATE).status_code == 403
        assert client.post(UPLOAD, {"upload": SimpleUploadedFile(
            "f.csv", _csv(ROWS[0]))}).status_code == 403
    assert not IndicatorValue.objects.exists()
    client, _ = role_client(Role.PERFORMANCE_ANALYST)
    page = client.get(UPLOAD).content.decode()
    assert "Upload indicator values" in page and 'type="file"' in page
    assert TEMPLATE in page and "Statistical neighbours average" in page


def test_the_template_has_the_header_and_uploads_as_it_is(analyst) -> None:  # type: ignore[no-untyped-def]
    client, person = analyst
    response = client.get(TEMPLATE)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == uploads.HEADER
    assert rows[0][:10] == ["Indicator key", "Indicator name", "Month", "Value", "Numerator",
                            "Denominator", "Target", "England average",
                            "Statistical neighbours average", "Source"]
    page = _post(client, response.content, "template.csv")
    assert "Indicator values uploaded" in page
    indicator = Indicator.objects.get(key="contacts_per_10000")
    assert indicator.polarity == Indicator.Polarity.LOWER
    assert indicator.definition.startswith("Contacts received in the month")


def test_a_file_adds_indicators_and_their_months_with_benchmarks_and_source(analyst) -> None:  # type: ignore[no-untyped-def]
    client, person = analyst
    page = _post(client, _csv(*ROWS))
    assert "Indicator values uploaded" in page and "Uploaded." in page
    visits = Indicator.objects.get(key="timely_visits")
    assert visits.name == "Statutory visits on time"
    assert visits.source == Indicator.Source.ENTERED and visits.is_proportion
    september, october = IndicatorValue.objects.filter(indicator=visits).order_by(
        "period_start")
    assert (september.period_start, september.period_end) == (dt.date(2026, 9, 1),
                                                              dt.date(2026, 9, 30))
    assert (september.numerator, september.denominator, september.value) == (45, 50, 0.9)
    assert september.target == pytest.approx(0.95)
    assert september.england_average == pytest.approx(0.91)
    assert september.statistical_neighbours_average == pytest.approx(0.93)
    assert september.source == "LCS visits report" and september.entered_by == person.user
    assert september.service is None and september.locality is None
    assert october.value == pytest.approx(0.92)
    contacts = IndicatorValue.objects.get(indicator__key="contacts_rate")
    assert contacts.indicator.kind == Indicator.Kind.RATE
    assert (contacts.value, contacts.target, contacts.england_average,
            contacts.statistical_neighbours_average) == (312.5, 300, 296.1, 305.4)
    # The analyst reads the indicators they uploaded.
    shown = client.get(reverse("indicators:indicator_detail", args=["contacts_rate"]))
    assert shown.status_code == 200 and "Contacts per 10000 children" in shown.content.decode()


def test_the_same_file_again_changes_nothing(analyst) -> None:  # type: ignore[no-untyped-def]
    client, _ = analyst
    _post(client, _csv(*ROWS))
    before = list(IndicatorValue.objects.order_by("pk").values())
    page = _post(client, _csv(*ROWS))
    assert "Nothing changed: every month in the file was already stored." in page
    assert list(IndicatorValue.objects.order_by("pk").values()) == before
    assert Indicator.objects.count() == 2


def test_a_changed_figure_updates_its_month_in_place(analyst) -> None:  # type: ignore[no-untyped-def]
    client, _ = analyst
    _post(client, _csv(*ROWS))
    first = IndicatorValue.objects.get(indicator__key="contacts_rate")
    _post(client, _csv(ROWS[2].replace("312.5", "320").replace("ChAT,", "ChAT (revised),")))
    again = IndicatorValue.objects.get(indicator__key="contacts_rate")
    assert again.pk == first.pk
    assert (again.value, again.source) == (320, "ChAT (revised)")
    assert again.computed_at > first.computed_at
    assert IndicatorValue.objects.filter(indicator__key="timely_visits").count() == 2


def test_rows_with_problems_store_nothing_and_say_what_to_do(analyst) -> None:  # type: ignore[no-untyped-def]
    client, _ = analyst
    page = _post(client, _csv(
        ROWS[0],
        "timely_visits,Statutory visits on time,October,0.9,,,,,,LCS visits report,,",
        "new_one,,2026-10,12,,,,,,ChAT,,",
        "timely_visits,Statutory visits on time,2026-11,0.9,,,,,,,Nowhere,",
        "timely_visits,Statutory visits on time,2026-12,90,,,,,,LCS,,",
        "timely_visits,Statutory visits on time,2027-01,0.5,46,50,,,,LCS,,",
    ))
    assert not Indicator.objects.exists() and not IndicatorValue.objects.exists()
    assert "There is a problem" in page and "<title>Error:" in page
    assert ("Nothing was uploaded, because 5 rows have problems. Correct them in the file "
            "and upload it again") in page
    assert ("Row 3, column “Month”: “October” is not a month. Write months as YYYY-MM, for "
            "example 2026-10 for October 2026.") in page
    assert ("Row 4, column “Indicator name”: auditloop does not know the indicator "
            "“new_one” yet. Give its name, and it will be added.") in page
    assert "Row 5, column “Source”: This is blank. Fill it in." in page
    assert "Row 5, column “Service”: “Nowhere” is not one of the council&#39;s services." in page
    assert ("Row 6, column “Value”: “90” is not a proportion. Write it as a percentage (45%) "
            "or a fraction between 0 and 1 (0.45).") in page
    assert ("Row 7, column “Value”: The value is not the numerator divided by the "
            "denominator (46 of 50 is 92.0%).") in page
    assert 'id="problems-title"' in page


def test_the_valid_rows_are_stored_and_the_rest_listed_when_asked(analyst) -> None:  # type: ignore[no-untyped-def]
    client, _ = analyst
    page = _post(client, _csv(ROWS[2], "contacts_rate,,2026-13,300,,,,,,ChAT,,"),
                 accept_valid_rows="on")
    assert "Uploaded, except 1 row with problems, listed below." in page
    assert IndicatorValue.objects.get().value == 312.5
    assert "“2026-13” is not a month." in page


@pytest.mark.parametrize(("content", "name", "said"), [
    (b"", "empty.csv", "The file you chose is empty"),
    (b"%PDF-1.4 not a spreadsheet", "figures.pdf", "is not a CSV file or an Excel workbook"),
    (b"PK\x03\x04 broken", "figures.xlsx", "is not an Excel workbook auditloop can read"),
    (b"Key,Figure\r\na,1\r\n", "figures.csv", "Download the template from this page"),
    (_csv(), "figures.csv", "There are no rows of figures in figures.csv"),
])
def test_a_file_that_cannot_be_read_says_what_to_do(analyst, content, name, said) -> None:  # type: ignore[no-untyped-def]
    client, _ = analyst
    page = _post(client, content, name)
    assert said in page and "There is a problem" in page
    assert not Indicator.objects.exists() and not IndicatorValue.objects.exists()


def test_an_excel_workbook_is_read_with_services_and_localities_by_name(analyst) -> None:  # type: ignore[no-untyped-def]
    client, _ = analyst
    service, locality = ServiceFactory(), LocalityFactory(name="North")
    book = Workbook()
    sheet = book.active
    sheet.append(["Indicator figures, made up"])  # a title row above the header
    sheet.append(HEADER.split(","))
    sheet.append(["contacts_rate", "Contacts per 10000 children", dt.datetime(2026, 10, 1),
                  300, None, None, None, 296.1, None, "ChAT", "early help", None])
    sheet.append(["contacts_rate", "Contacts per 10000 children", "2026-10", 280, None,
                  None, None, None, None, "ChAT", None, "North"])
    out = io.BytesIO()
    book.save(out)
    page = _post(client, out.getvalue(), "figures.xlsx")
    assert "Indicator values uploaded" in page
    by_service = IndicatorValue.objects.get(service=service)
    assert (by_service.value, by_service.locality, by_service.england_average) == (
        300, None, 296.1)
    assert IndicatorValue.objects.get(locality=locality).value == 280


def test_a_computed_indicator_takes_only_its_target_and_averages(analyst) -> None:  # type: ignore[no-untyped-def]
    client, _ = analyst
    computed = _indicator()
    page = _post(client, _csv("re_referrals,,2026-10,0.3,,,,,,DfE,,"))
    assert ("Row 2, column “Value”: auditloop computes “Re-referrals within 12 months” from "
            "the returns: leave the value, numerator and denominator blank") in page
    assert not IndicatorValue.objects.exists()
    _post(client, _csv("re_referrals,Another name,2026-10,,,,20%,22%,21%,LAIT 2025,,"))
    value = IndicatorValue.objects.get()
    assert (value.value, value.numerator, value.target, value.england_average,
            value.statistical_neighbours_average) == (None, None, 0.2, 0.22, 0.21)
    assert value.source == "Computed by auditloop"
    computed.refresh_from_db()
    assert computed.name == "Re-referrals within 12 months"
    assert computed.source == Indicator.Source.COMPUTED


def test_an_upload_raises_signals_and_proposes_an_audit(analyst) -> None:  # type: ignore[no-untyped-def]
    client, _ = analyst
    rows = [f"visits_late,Visits late,{2026 + (i // 12)}-{i % 12 + 1:02d},,{k},100,,,,"
            f"LCS,,,Lower" for i, k in enumerate([*STEADY, 45])]
    page = _post(client, _csv(*rows, header=HEADER + ",Better when"))
    assert "Signals raised" in page
    signal = Signal.objects.get(indicator__key="visits_late")
    assert signal.first_period == dt.date(2027, 1, 1)
    assert signal.meaning == Signal.Meaning.CONCERN
    assert ThemeProposal.objects.count() == 1
    # The same file again: no month changed, so nothing is raised or proposed again.
    _post(client, _csv(*rows, header=HEADER + ",Better when"))
    assert Signal.objects.count() == 1 and ThemeProposal.objects.count() == 1


def test_a_repeated_month_in_one_file_is_a_problem_of_the_second_row() -> None:
    table = uploads.load(UploadedFile("f.csv", _csv(
        ROWS[2], ROWS[2].replace("312.5", "313"))))
    rows = uploads._checked(table, uploads._Lookups({"contacts_rate"}))
    assert len(rows) == 1
    assert [uploads.problem_line(p) for p in table.rows[1].problems] == [
        "Row 3, column “Month”: Row 2 gives this indicator's figures for October 2026 (the "
        "whole council) too. Keep one of the two rows."]
