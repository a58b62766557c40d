from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "auditloop.moderation"
    label = "moderation"
    verbose_name = "Moderation"
