from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "auditloop.audits"
    label = "audits"
    verbose_name = "Audits"

    def ready(self) -> None:
        # Each part of the audits app registers its navigation entries below.
        import auditloop.audits.attention  # noqa: F401 - home panel: audits to do
        from auditloop.audits import (
            audit_actions,  # noqa: F401 - an action's audit and case
            notice_checks,  # noqa: F401 - when notices' work is done
            supervision_attention,  # noqa: F401 - home panel
        )
        from auditloop.common.navigation import FOLLOW_UP, MONTH, NavEntry, register
        from auditloop.people.roles import Capability as _C
        register(NavEntry("Supervision", "audits:supervision", (_C.SIGN_OFF_ACTIONS,), order=42,
                          group=FOLLOW_UP, description="Audits and actions to talk through in "
                          "supervision with the people you manage."))
        register(NavEntry("Disagreements", "audits:disagreement_list",
                          (_C.SETTLE_DISAGREEMENT, _C.MODERATE), order=44, group=MONTH,
                          description="Where a practitioner or manager disagrees with an "
                          "audit's grades, and who settles it."))
        register(NavEntry("Audits", "audits:audit_list", (_C.AUDIT, _C.VIEW_ALL_CASES), order=20,
                          group=MONTH, description="The audits you carry out and when each is "
                          "due; for the QA team, every open audit."))
        # The central tracker (002): the QA team, and managers for their people's cases.
        register(NavEntry("Tracker", "audits:tracker", (_C.VIEW_ALL_CASES, _C.VIEW_TEAM_CASES),
                          order=41, group=FOLLOW_UP, description="Every audited case and its "
                          "actions: who owns each, when it is due and whether it is on track."))
