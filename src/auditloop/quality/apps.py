from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "auditloop.quality"
    label = "quality"
    verbose_name = "Quality control"

    def ready(self) -> None:
        from auditloop.cases.signals import register_imported
        from auditloop.quality import attention  # noqa: F401 - registers home panels
        from auditloop.quality.handlers import queue_imported_records

        # 003: every CAF assessment, TAF and closure goes through quality control, so the
        # records an import brings join the queue as it finishes.
        register_imported.connect(queue_imported_records,
                                  dispatch_uid="quality.queue_imported_records")
