from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "auditloop.audits"
    label = "audits"
    verbose_name = "Audits"

    def ready(self) -> None:
        from auditloop.common.navigation import NavEntry, register  # noqa: F401
        # Each part of the audits app registers its navigation entries below.
