from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "auditloop.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from auditloop.common.navigation import NavEntry, register
        from auditloop.notifications import attention  # noqa: F401 - registers home panels

        register(NavEntry("Tray", "notifications:tray", (), order=90,
                          description="Your notices: audits to read, replies and actions due, "
                          "and anything else sent to you."))
