"""The import pages: who may use them, the upload form's errors, the job page that polls its
status fragment with HTMX, and the results shown when the import has finished."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from auditloop.cases import import_views, services
from auditloop.cases.models import Case, ImportJob
from auditloop.common.spreadsheets import UploadedFile
from auditloop.people.roles import Role
from tests.cases.importing import csv_bytes

pytestmark = pytest.mark.django_db
S = ImportJob.Status
CASES = csv_bytes(["Case reference", "Service", "Open date"], ["P-1", "cin", "01/02/2026"])


def _job(status=S.QUEUED, **fields) -> ImportJob:
    job = services.import_job_create(format="monthly", files=[UploadedFile("cases.csv", CASES)],
                                     created_by=None, run_in_background=False)
    ImportJob.objects.filter(pk=job.pk).update(status=status, **fields)
    job.refresh_from_db()
    return job


def _upload(name="cases.csv", content=CASES):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.parametrize("role", [Role.QA_MANAGER, Role.HEAD_OF_QA])
def test_importers_open_every_import_page(role_client, role):
    client, _ = role_client(role)
    job = _job()
    for url in (reverse("cases:import_list"), reverse("cases:import_new"),
                reverse("cases:import_detail", args=[job.pk]),
                reverse("cases:import_status", args=[job.pk])):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AUDITOR, Role.DIRECTOR])
def test_other_roles_are_refused_every_import_page(role_client, role):
    client, _ = role_client(role)
    job = _job()
    for url in (reverse("cases:import_list"), reverse("cases:import_new"),
                reverse("cases:import_detail", args=[job.pk]),
                reverse("cases:import_status", args=[job.pk])):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("cases:import_new"), {"format": "monthly",
                                                         "upload": _upload()})
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_the_wrong_method_is_refused(qa_manager_client):
    job = _job()
    assert qa_manager_client.post(reverse("cases:import_list")).status_code == 405
    assert qa_manager_client.delete(reverse("cases:import_new")).status_code == 405
    assert qa_manager_client.post(reverse("cases:import_detail", args=[job.pk])).status_code == 405
    assert qa_manager_client.post(reverse("cases:import_status", args=[job.pk])).status_code == 405


def test_a_missing_job_is_not_found(qa_manager_client):
    assert qa_manager_client.get(reverse("cases:import_detail", args=[999])).status_code == 404


def test_uploading_a_file_runs_the_import_and_the_job_page_shows_the_result(
        qa_manager_client, django_capture_on_commit_callbacks):
    events = csv_bytes(["Case reference", "Event kind", "Date"], ["P-1", "review", "01/03/2026"])
    with django_capture_on_commit_callbacks(execute=True):
        response = qa_manager_client.post(reverse("cases:import_new"), {
            "format": "monthly", "upload": [_upload(), _upload("events.csv", events)],
            "accept_valid_rows": "on"})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:import_detail", args=[job.pk])
    assert (job.status, job.accept_valid_rows, job.complete_snapshot) == (S.SUCCEEDED, True, False)
    assert job.created_by is not None and job.files.count() == 2
    assert Case.objects.get().events.count() == 1
    page = qa_manager_client.get(response["Location"]).content.decode()
    assert "cases.csv, events.csv" in page
    assert "Imported." in page and "Cases added" in page
    assert 'hx-get="' not in page  # finished: the page no longer polls
    listing = qa_manager_client.get(reverse("cases:import_list")).content.decode()
    assert f"Import {job.pk}" in listing and "Imported" in listing


def test_a_failed_import_lists_each_problem_with_its_row_and_column(
        qa_manager_client, django_capture_on_commit_callbacks):
    bad = csv_bytes(["Case reference", "Service", "Open date"], ["P-1", "cin", "31/02/2026"])
    with django_capture_on_commit_callbacks(execute=True):
        response = qa_manager_client.post(reverse("cases:import_new"), {
            "format": "monthly", "upload": _upload(content=bad)})
    page = qa_manager_client.get(response["Location"]).content.decode()
    assert "Not imported" in page and "Nothing was imported, because 1 row has a problem" in page
    cells = re.findall(r'<td class="govuk-table__cell[^"]*">([^<]*)</td>', page)
    assert cells[:4] == ["cases.csv", "2", "Open date",
                         "“31/02/2026” is not a real date. Check the day and the month (dates "
                         "are DD/MM/YYYY)."]


def test_the_status_fragment_polls_every_two_seconds_until_the_import_finishes(
        qa_manager_client):
    job = _job(S.RUNNING, rows_total=4000, rows_done=1200)
    url = reverse("cases:import_status", args=[job.pk])
    fragment = qa_manager_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert f'hx-get="{url}"' in fragment and 'hx-trigger="every 2s"' in fragment
    assert "1,200 of 4,000 rows checked." in fragment
    assert '<progress max="4000" value="1200"' in fragment
    detail = qa_manager_client.get(reverse("cases:import_detail", args=[job.pk])).content.decode()
    assert f'hx-get="{url}"' in detail
    ImportJob.objects.filter(pk=job.pk).update(
        status=S.SUCCEEDED, rows_done=4000,
        summary={"message": "Imported.", "rows": 4000, "cases_created": 3900})
    done = qa_manager_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in done and "hx-trigger" not in done
    assert "3,900" in done and "Imported." in done


def test_a_job_saving_its_rows_says_so(qa_manager_client):
    job = _job(S.RUNNING, rows_total=10, rows_done=10, summary={"stage": "saving"})
    fragment = qa_manager_client.get(reverse("cases:import_status", args=[job.pk])).content
    assert "All 10 rows checked. Saving them now." in fragment.decode()


def test_bad_input_shows_the_error_summary_and_an_error_title(qa_manager_client):
    response = qa_manager_client.post(reverse("cases:import_new"), {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page and "There is a problem" in page
    assert '<a href="#id_format_0">Choose what you are importing</a>' in page
    assert '<a href="#id_upload">Choose a file to import</a>' in page
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("format_, name, says", [
    ("cin_census", "census.csv", "The Children in Need census must be an XML file (.xml)"),
    ("annex_a", "annex.pdf", "The Ofsted Annex A workbook must be an Excel workbook (.xlsx)"),
    ("monthly", "cases.csv", None),
])
def test_files_of_the_wrong_kind_for_the_format_are_refused(
        qa_manager_client, format_, name, says, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = qa_manager_client.post(reverse("cases:import_new"), {
            "format": format_, "upload": _upload(name)})
    if says is None:
        assert response.status_code == 302
    else:
        assert says in response.content.decode()
        assert not ImportJob.objects.exists()


def test_uploads_over_the_limit_are_refused_with_a_clear_message(qa_manager_client, monkeypatch):
    monkeypatch.setattr(import_views, "MAX_UPLOAD_BYTES", 10)
    response = qa_manager_client.post(reverse("cases:import_new"), {
        "format": "monthly", "upload": _upload()})
    assert "The files must be 50 MB or smaller in total" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_empty_upload_is_refused(qa_manager_client):
    response = qa_manager_client.post(reverse("cases:import_new"), {
        "format": "monthly", "upload": _upload(content=b"")})
    assert "A file you chose is empty. Export it again" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_pages_use_no_inline_styles_or_scripts(qa_manager_client):
    job = _job(S.RUNNING, rows_total=5, rows_done=1)
    for url in (reverse("cases:import_list"), reverse("cases:import_new"),
                reverse("cases:import_detail", args=[job.pk])):
        page = qa_manager_client.get(url).content.decode()
        assert "style=" not in page
        assert all("nonce=" in tag for tag in re.findall(r"<script[^>]*>", page))
        assert " on" + "click=" not in page


def test_the_imports_entry_is_in_the_importers_navigation_only(role_client):
    qa, _ = role_client(Role.QA_MANAGER)
    worker, _ = role_client(Role.PRACTITIONER)
    href = f'href="{reverse("cases:import_list")}"'
    # The QA manager's navigation groups it with the register's other pages.
    assert href in qa.get(reverse("work_group", args=["register"])).content.decode()
    assert href not in worker.get(reverse("home")).content.decode()


def test_the_import_list_reads_the_database_a_fixed_number_of_times(
        qa_manager_client, django_assert_max_num_queries):
    for _ in range(5):
        _job(S.SUCCEEDED)
    qa_manager_client.get(reverse("cases:import_list"))
    with django_assert_max_num_queries(9):  # +1: the session's own row (people.UserSession)
        response = qa_manager_client.get(reverse("cases:import_list"))
    assert response.content.decode().count("govuk-tag--green") == 5
