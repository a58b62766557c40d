from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "auditloop.people"
    label = "people"
    verbose_name = "People and teams"

    def ready(self) -> None:
        from auditloop.common.navigation import REGISTER, NavEntry, register
        from auditloop.people import (
            attention,  # noqa: F401 - registers home panels
            sessions,
        )
        from auditloop.people.roles import Capability
        from auditloop.people.signin_signals import connect as record_sign_in_events

        record_sign_in_events()
        sessions.connect()  # a UserSession row per sign-in

        register(NavEntry("Home", "home", (), order=0, group=None,
                          description="What needs your attention today."))
        register(NavEntry("Staff", "people:staff_list", (Capability.VIEW_STAFF,), order=60,
                          group=REGISTER, description="Everyone on the staff list: their job "
                          "title, team, manager, absences and training."))
        register(NavEntry("Structure", "people:structure", (Capability.MANAGE_STAFF,), order=61,
                          group=REGISTER, description="The council's services, localities, "
                          "teams and job titles, and the roles each job title brings."))
