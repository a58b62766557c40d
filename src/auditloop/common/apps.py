from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "auditloop.common"
    label = "common"
    verbose_name = "Common"
