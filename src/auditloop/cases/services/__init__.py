"""Writes to the case register and its imports."""

from auditloop.cases.services.imports import (
    delete_upload_files,
    import_job_create,
    import_job_run,
    uploads_older_than,
)
from auditloop.cases.services.register import (
    CaseChange,
    InvolvementChange,
    case_close,
    case_holder_set,
    case_upsert,
    event_record,
    events_record,
    involvement_record,
)

__all__ = [
    "CaseChange",
    "InvolvementChange",
    "case_close",
    "case_holder_set",
    "case_upsert",
    "delete_upload_files",
    "event_record",
    "events_record",
    "import_job_create",
    "import_job_run",
    "involvement_record",
    "uploads_older_than",
]
