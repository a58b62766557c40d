"""Background tasks of the case register: they carry ids, never a child's details."""

from django.tasks import task

from auditloop.cases import services
from auditloop.cases.models import ImportJob


@task()
def run_import(job_id: int) -> None:
    services.import_job_run(job=ImportJob.objects.get(pk=job_id))
