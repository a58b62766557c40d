from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "auditloop.governance"
    verbose_name = "Information governance"

    def ready(self) -> None:
        from auditloop.common.navigation import GOVERNANCE, NavEntry, register
        from auditloop.governance import attention  # noqa: F401 - registers the home panel
        from auditloop.people.roles import Capability

        register(NavEntry("Access log", "governance:access_log",
                          (Capability.VIEW_ACCESS_LOG,), order=90, group=GOVERNANCE,
                          description="Who looked at, searched for, exported or was refused "
                          "which record, and when."))
        register(NavEntry("Sign-in events", "governance:sign_in_events",
                          (Capability.VIEW_ACCESS_LOG,), order=91, group=GOVERNANCE,
                          description="Who signed in and out, wrong passwords and codes, and "
                          "lockouts."))
