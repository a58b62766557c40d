from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "auditloop.insight"
    label = "insight"
    verbose_name = "Insight"

    def ready(self) -> None:
        from auditloop.common.navigation import FOLLOW_UP, REPORTS, NavEntry, register
        from auditloop.people.roles import Capability as C

        register(NavEntry("Reports", "insight:report_list", (C.VIEW_REPORTS,), order=55,
                          group=REPORTS, description="The monthly QA and impact report: what "
                          "is due, drafts waiting and every published report."))
        register(NavEntry("Conferences and reviews", "insight:meeting_list",
                          (C.OVERSEE_CASES, C.VIEW_TEAM_CASES, C.VIEW_ALL_CASES), order=76,
                          group=FOLLOW_UP,
                          description="Each conference and looked-after review: the agencies "
                          "invited, attending and sending a report."))

        from auditloop.common import attention
        from auditloop.insight.attention import reports_panel

        attention.register(reports_panel)
        from auditloop.insight import (
            home,  # noqa: F401 - the leaders' headline panel
            notice_checks,  # noqa: F401 - notices' work done
        )
