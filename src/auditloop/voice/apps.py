"""What families and staff tell us: families' feedback when a case closes, staff surveys,
feedback on the audit process, complaints and compliments."""
from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "auditloop.voice"
    label = "voice"
    verbose_name = "What families and staff tell us"

    def ready(self) -> None:
        from auditloop.common.navigation import REPORTS, NavEntry, register
        from auditloop.people.roles import Capability as C

        register(NavEntry("Complaints and compliments", "voice:complaint_list",
                          (C.LOG_COMPLAINTS, C.VIEW_REPORTS), order=58, group=REPORTS,
                          description="The log of complaints and compliments, their outcome "
                          "and learning, and the themes they raise (002)."))
