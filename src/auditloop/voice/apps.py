from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "auditloop.voice"
    label = "voice"
    verbose_name = "What families and staff tell us"
