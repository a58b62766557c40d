from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "auditloop.indicators"
    label = "indicators"
    verbose_name = "Indicators"
