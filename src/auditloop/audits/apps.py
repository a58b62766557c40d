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
        # Audits where the people they are about look for them: their own lists (home
        # panels in attention.py), and the case page's audits (the register imports no
        # app above it).
        from auditloop.audits.my_audits_views import case_audits_section
        from auditloop.cases import sections
        sections.register(case_audits_section)
        register(NavEntry("Audits of my cases", "audits:my_case_audits", (_C.HOLD_CASES,),
                          order=22, description="Audits of the cases you hold, and what is "
                          "waiting for you: a reply, or actions to agree."))
        register(NavEntry("My team's audits", "audits:team_audits", (_C.VIEW_TEAM_CASES,),
                          order=23, description="Audits of your team's cases, and what is "
                          "waiting for you: actions to confirm, or an audit to sign off."))
