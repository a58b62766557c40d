from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "auditloop.people"
    label = "people"
    verbose_name = "People and teams"

    def ready(self) -> None:
        from auditloop.common.navigation import NavEntry, register
        from auditloop.people import (
            attention,  # noqa: F401 - registers home panels
            sessions,
        )
        from auditloop.people.roles import Capability
        from auditloop.people.signin_signals import connect as record_sign_in_events

        record_sign_in_events()
        sessions.connect()  # a UserSession row per sign-in

        register(NavEntry("Home", "home", (), order=0))
        register(NavEntry("Staff", "people:staff_list", (Capability.VIEW_STAFF,), order=60))
        register(NavEntry("Structure", "people:structure", (Capability.MANAGE_STAFF,), order=61))
