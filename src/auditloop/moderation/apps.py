from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "auditloop.moderation"
    label = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from auditloop.audits import blinding
        from auditloop.common.navigation import MONTH, NavEntry, register
        from auditloop.moderation import (
            attention,  # noqa: F401 - registers home panels
            figures_cache,  # noqa: F401 - the receivers that change the figures' version
            notice_checks,  # noqa: F401 - notices' work done
        )
        from auditloop.moderation.selectors import blind_check, reviewing_check
        from auditloop.people.roles import Capability

        blinding.register(blind_check)
        blinding.register_reviewing(reviewing_check)
        register(NavEntry("Moderation", "moderation:my_reviews",
                          (Capability.MODERATE, Capability.RUN_CYCLE), order=40, group=MONTH,
                          description="A second look at a sample of audits, graded blind, and "
                          "how far moderators agree with auditors."))
