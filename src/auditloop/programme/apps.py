from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "auditloop.programme"
    label = "programme"
    verbose_name = "Audit programme"

    def ready(self) -> None:
        from auditloop.common.navigation import FOLLOW_UP, MONTH, NavEntry, register
        from auditloop.people.roles import Capability
        from auditloop.programme import (
            attention,  # noqa: F401 - registers home panels
            notice_checks,  # noqa: F401 - notices' work done
        )

        register(NavEntry("Audit cycle", "programme:cycle_list", (Capability.RUN_CYCLE,),
                          order=35, group=MONTH, description="Choose the month's cases, "
                          "allocate the auditors, send the notices and hold the QA meeting."))
        register(NavEntry("Proposed themed audits", "programme:proposal_list",
                          (Capability.RUN_CYCLE,), order=36, group=MONTH,
                          description="Accept or dismiss the themed audits that complaints "
                          "and performance indicators propose."))
        # Closing the loop: whoever runs the cycle or reads reports (loop_views.READ).
        register(NavEntry("Closing the loop", "programme:loop_index",
                          (Capability.RUN_CYCLE, Capability.VIEW_REPORTS), order=37,
                          group=FOLLOW_UP, description="Revisit an audited theme to see whether "
                          "practice has changed since."))
