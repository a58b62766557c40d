from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "auditloop.governance"
    verbose_name = "Information governance"
