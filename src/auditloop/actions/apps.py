from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "auditloop.actions"
    label = "actions"
    verbose_name = "Actions"

    def ready(self) -> None:
        from auditloop.actions import (
            attention,  # noqa: F401 - registers home panels
            notice_checks,  # noqa: F401 - notices' work done
        )
        from auditloop.common.navigation import FOLLOW_UP, NavEntry, register
        from auditloop.people.roles import Capability as C

        register(NavEntry("Actions", "actions:my_actions", (), order=40,
                          description="The actions you own or sign off, and when each is due."))
        register(NavEntry("Action plans", "actions:plan_list",
                          (C.VIEW_REPORTS, C.OWN_ACTION_PLANS, C.RUN_CYCLE), order=45,
                          group=FOLLOW_UP, description="Strategic plans made from QA meetings, "
                          "thematic audits, moderation and reports, and their reviews."))
