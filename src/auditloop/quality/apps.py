from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "auditloop.quality"
    label = "quality"
    verbose_name = "Quality control"

    def ready(self) -> None:
        from auditloop.cases.signals import register_imported
        from auditloop.quality import (
            attention,  # noqa: F401 - registers home panels
            notice_checks,  # noqa: F401 - notices' work done
        )
        from auditloop.quality.handlers import queue_imported_records

        # 003: every CAF assessment, TAF and closure goes through quality control, so the
        # records an import brings join the queue as it finishes.
        register_imported.connect(queue_imported_records,
                                  dispatch_uid="quality.queue_imported_records")

        from auditloop.common.navigation import REGISTER, NavEntry, register
        from auditloop.people.roles import Capability

        # The central team's queue; service managers reach theirs from the home page.
        register(NavEntry("Quality control", "quality:queue", (Capability.IMPORT_CASES,),
                          order=52, group=REGISTER, description="Check each Early Help "
                          "assessment, plan and closure from the register, and confirm the "
                          "ones put right."))
