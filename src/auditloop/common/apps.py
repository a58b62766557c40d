from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "auditloop.common"
    label = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from auditloop.common.database_roles import grant_after_migrate

        # Sent once per migrate for this app, after every app's migrations have run.
        post_migrate.connect(grant_after_migrate, sender=self,
                             dispatch_uid="common.grant_after_migrate")
