"""Making a report's figures and files in the background worker: the task carries the
version's id, never anything about a child. Progress is saved as it goes, so the page can
show how far it has got; the files are stored on the version, so a download never makes
them again."""

from __future__ import annotations

import logging

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from auditloop.insight.models import ReportVersion

logger = logging.getLogger(__name__)


@task()
def make_report(version_id: int) -> None:
    make_version(version_id)


def make_version(version_id: int) -> None:
    """Figures (where asked), then the PDF, the Word document and the XLSX."""
    from auditloop.insight import kinds as report_kinds
    from auditloop.insight import render, services
    from auditloop.insight.document import Document

    with transaction.atomic():
        version = ReportVersion.objects.select_for_update().filter(pk=version_id).first()
        if version is None or not version.is_working:
            return  # made already (a repeated task), or the report is gone
        version.state = ReportVersion.State.RUNNING
        version.save(update_fields=["state", "updated_at"])
    report = version.report
    steps = 4 + (1 if version.refresh_figures else 0)
    done = 0

    def progress(step: int, of: int) -> None:
        # The builder's own steps count as one step of the whole. The time moves on too: a
        # version that shows no progress for long counts as stuck (common.worker_files).
        share = done + (step / of if of else 1)
        ReportVersion.objects.filter(pk=version_id).update(
            done=round(10 * share), total=10 * steps, updated_at=timezone.now())

    try:
        if version.refresh_figures or version.document is None:
            figures = report_kinds.build(report.kind, report_kinds.Context(
                scope=services.scope_of(report), period=services.period_of(report),
                excerpts=services.excerpts_of(report), progress=progress))
            version.document = services.document_json(figures)
            done += 1
            progress(0, 1)
        assert version.document is not None
        doc = Document.from_json(version.document)
        if version.number == 0:
            doc = services.compose(report, doc)  # a draft reads with its latest words
        done += 1
        progress(0, 1)
        version.pdf = render.pdf(doc)
        done += 1
        progress(0, 1)
        version.docx = render.docx(doc)
        done += 1
        progress(0, 1)
        version.xlsx = render.xlsx(doc)
        done += 1
        version.state = ReportVersion.State.READY
        version.done = version.total = 10 * steps
        version.made_at = timezone.now()
        version.error = ""
    except Exception as exc:  # noqa: BLE001 - said on the page; the worker goes on
        logger.exception("Report version %s could not be made", version_id)
        version.state = ReportVersion.State.FAILED
        version.error = (f"It could not be made ({type(exc).__name__}). Try again; if it "
                         "fails again, tell the service desk the report's number.")
    version.save(update_fields=["document", "state", "done", "total", "made_at", "error",
                                "pdf", "docx", "xlsx", "updated_at"])
