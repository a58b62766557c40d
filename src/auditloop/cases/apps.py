from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "auditloop.cases"
    label = "cases"
    verbose_name = "Case register"

    def ready(self) -> None:
        from auditloop.cases import attention  # noqa: F401 - registers home panels
        from auditloop.common.navigation import REGISTER, NavEntry, register
        from auditloop.people.roles import Capability

        register(
            NavEntry(
                "Cases",
                "cases:case_list",
                (Capability.VIEW_ALL_CASES, Capability.VIEW_EARLY_HELP_CASES,
                 Capability.VIEW_TEAM_CASES, Capability.HOLD_CASES, Capability.OVERSEE_CASES),
                order=10,
                group=REGISTER,
                description="Find a case and see its audits, actions and history.",
            )
        )
        register(NavEntry("Imports", "cases:import_list", (Capability.IMPORT_CASES,), order=50,
                          group=REGISTER, description="Bring in each month's cases and staff "
                          "from the case management system, and see how each import went."))
