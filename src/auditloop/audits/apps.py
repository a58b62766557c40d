from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "auditloop.audits"
    label = "audits"
    verbose_name = "Audits"

    def ready(self) -> None:
        # Each part of the audits app registers its navigation entries below.
        import auditloop.audits.attention  # noqa: F401 - home panel: audits to do
        from auditloop.audits import supervision_attention  # noqa: F401 - home panel
        from auditloop.common.navigation import NavEntry, register  # noqa: F401
        from auditloop.people.roles import Capability as _C
        register(NavEntry("Supervision", "audits:supervision", (_C.SIGN_OFF_ACTIONS,), order=42))
        register(NavEntry("Disagreements", "audits:disagreement_list",
                          (_C.SETTLE_DISAGREEMENT, _C.MODERATE), order=44))
        register(NavEntry("Audits", "audits:audit_list", (_C.AUDIT, _C.VIEW_ALL_CASES), order=20))
        # The central tracker (002): the QA team, and managers for their people's cases.
        register(NavEntry("Tracker", "audits:tracker", (_C.VIEW_ALL_CASES, _C.VIEW_TEAM_CASES),
                          order=41))
