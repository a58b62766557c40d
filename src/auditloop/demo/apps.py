from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "auditloop.demo"
    label = "demo"
    verbose_name = "Demo council"
