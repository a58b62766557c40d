from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "auditloop.practice"
    label = "practice"
    verbose_name = "Practice seen first-hand"
