from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "auditloop.actions"
    label = "actions"
    verbose_name = "Actions"

    def ready(self) -> None:
        from auditloop.actions import attention  # noqa: F401 - registers home panels
        from auditloop.common.navigation import NavEntry, register

        register(NavEntry("Actions", "actions:my_actions", (), order=40))
