"""`auditloop import <format> <file>...`: import cases or staff now, and print the outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from auditloop.cases import services
from auditloop.cases.import_views import SUMMARY_LABELS
from auditloop.cases.models import ImportJob
from auditloop.common.errors import DomainError
from auditloop.common.spreadsheets import ENCODINGS, UploadedFile


class Command(BaseCommand):
    help = ("Import cases or staff from files, at once (not in the background). Formats: "
            + ", ".join(ImportJob.Format.values) + ".")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=ImportJob.Format.values)
        parser.add_argument("files", nargs="+", help="the files to import together")
        parser.add_argument("--accept-valid-rows", action="store_true",
                            help="import the valid rows and list the rest")
        parser.add_argument("--complete-snapshot", action="store_true",
                            help="the file is a complete list of open cases: close the "
                                 "open cases of its services that it does not have")
        parser.add_argument("--encoding", choices=list(ENCODINGS), default="utf-8",
                            help="the character set the CSV files are saved in (default utf-8)")

    def handle(self, *args: Any, **options: Any) -> None:
        uploads = []
        for name in options["files"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name} is not a file. Check the path and try again.")
            uploads.append(UploadedFile(path.name, path.read_bytes()))
        try:
            # The same checks as the upload page: the virus check and the size limits.
            job = services.import_job_create(
                format=options["format"], files=uploads, created_by=None,
                accept_valid_rows=options["accept_valid_rows"],
                complete_snapshot=options["complete_snapshot"],
                encoding=options["encoding"], run_in_background=False,
            )
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        job = services.import_job_run(job=job)
        self._report(job)
        if job.status == ImportJob.Status.FAILED:
            if job.problems and not job.accept_valid_rows:
                self.stdout.write("To import the valid rows and list the rest, run the command "
                                  "again with --accept-valid-rows.")
            raise CommandError(f"Import {job.pk} failed: nothing was imported.", returncode=1)

    def _report(self, job: ImportJob) -> None:
        out = self.stdout
        summary = job.summary or {}
        out.write(f"Import {job.pk} ({job.get_format_display()}): {job.get_status_display()}")
        if summary.get("message"):
            out.write(summary["message"])
        if summary.get("read_as"):
            out.write(summary["read_as"])
        for key, label in SUMMARY_LABELS:
            if isinstance(summary.get(key), int):
                out.write(f"  {label}: {summary[key]:,}")
        for warning in summary.get("warnings", []):
            out.write(f"Warning: {warning}")
        if job.problems:
            out.write(f"Rows with problems ({len(job.problems):,}):")
        for p in job.problems:
            where = p["file"] if p["table"] in ("", Path(p["file"]).stem) else \
                f"{p['file']} ({p['table']})"
            row = f"row {p['row']}" if p["row"] is not None else "whole list"
            out.write(f"  {where}, {row}, {p['column']}: {p['reason']}")
