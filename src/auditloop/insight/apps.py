from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "auditloop.insight"
    label = "insight"
    verbose_name = "Insight"

    def ready(self) -> None:
        from auditloop.common.navigation import NavEntry, register
        from auditloop.people.roles import Capability as C

        register(NavEntry("Reports", "insight:monthly", (C.VIEW_REPORTS,), order=55))
