from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "auditloop.indicators"
    label = "indicators"
    verbose_name = "Indicators"

    def ready(self) -> None:
        from auditloop.common.navigation import REPORTS, NavEntry, register
        from auditloop.people.roles import Capability as C

        register(NavEntry("Indicators", "indicators:indicator_list",
                          (C.VIEW_REPORTS, C.RUN_CYCLE, C.ENTER_INDICATORS), order=56,
                          group=REPORTS,
                          description="Performance indicators on SPC charts, their signals "
                          "and the themed audits proposed from them (004)."))
        register(NavEntry("Upload indicator values", "indicators:upload",
                          (C.ENTER_INDICATORS,), order=57, group=REPORTS,
                          description="Upload the figures the performance team keeps, with "
                          "their targets, England and statistical neighbours' averages."))
