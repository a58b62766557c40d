from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "auditloop.practice"
    label = "practice"
    verbose_name = "Practice seen first-hand"

    def ready(self) -> None:
        from auditloop.common.navigation import FOLLOW_UP, REGISTER, REPORTS, NavEntry, register
        from auditloop.people.roles import Capability as C
        from auditloop.practice import (
            attention,  # noqa: F401 - registers the home panel
            notice_checks,  # noqa: F401 - notices' work done
        )

        register(NavEntry("Practice alerts", "practice:alert_list",
                          (C.OVERSEE_CASES, C.VIEW_TEAM_CASES, C.VIEW_ALL_CASES), order=75,
                          group=FOLLOW_UP,
                          description="Alerts IROs and CP Chairs raise on a case, the team "
                          "manager's answer, and those escalated or still open."))
        register(NavEntry("Practice alerts by month", "practice:monthly_report",
                          (C.VIEW_REPORTS, C.OVERSEE_CASES), order=75, group=REPORTS,
                          description="The Safeguarding Unit's monthly figures: the month's "
                          "practice alerts by theme and where they have got to."))
        register(NavEntry("IROs' team links", "practice:team_links", (C.MANAGE_STAFF,),
                          order=75, group=REGISTER,
                          description="The team or service area each IRO and CP Chair links "
                          "with, as the Safeguarding Unit's monthly report shows."))
