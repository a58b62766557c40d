from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "auditloop.audits"
    label = "audits"
    verbose_name = "Audits"
