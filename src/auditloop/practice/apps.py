from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PracticeConfig(AppConfig):
    name = "auditloop.practice"
    label = "practice"
    verbose_name = "Practice seen first-hand"

    def ready(self) -> None:
        from auditloop.common.navigation import (
            FOLLOW_UP,
            MY_WORK,
            REGISTER,
            REPORTS,
            SETUP,
            NavEntry,
            register,
        )
        from auditloop.people.roles import Capability as C
        from auditloop.practice import (
            attention,  # noqa: F401 - registers the home panel
            notice_checks,  # noqa: F401 - notices' work done
            observations,  # noqa: F401 - observations' notices' work done
        )

        register(NavEntry("Practice alerts", "practice:alert_list",
                          (C.OVERSEE_CASES, C.VIEW_TEAM_CASES, C.VIEW_ALL_CASES), order=75,
                          group=FOLLOW_UP,
                          description="Alerts IROs and CP Chairs raise on a case, the team "
                          "manager's answer, and those escalated or still open."))
        register(NavEntry("Practice alerts by month", "practice:monthly_report",
                          # IROs and CP Chairs reach it from the practice alerts page: their own
                          # pages then fit on one row.
                          (C.VIEW_REPORTS,), order=75, group=REPORTS,
                          description="The Safeguarding Unit's monthly figures: the month's "
                          "practice alerts by theme and where they have got to."))
        register(NavEntry("IROs' team links", "practice:team_links", (C.MANAGE_STAFF,),
                          order=75, group=REGISTER,
                          description="The team or service area each IRO and CP Chair links "
                          "with, as the Safeguarding Unit's monthly report shows."))
        # Observations of practice (002).
        register(NavEntry("Observations", "practice:observation_list",
                          (C.HOLD_CASES, C.VIEW_TEAM_CASES, C.MANAGE_FRAMEWORK), order=40,
                          group=MY_WORK,
                          description="Observations of your practice and those you make: "
                          "plan one, record it with its tool, read and reply."))
        register(NavEntry("Observations due", "practice:observation_compliance",
                          (C.MANAGE_FRAMEWORK, C.VIEW_TEAM_CASES, C.VIEW_REPORTS), order=76,
                          group=FOLLOW_UP,
                          description="Who is due an observation this year, observed once or "
                          "twice with the kind 002 asks for, by team and role."))
        register(NavEntry("Observations half-year summary", "practice:observation_summary",
                          (C.VIEW_REPORTS, C.MANAGE_FRAMEWORK), order=76, group=REPORTS,
                          description="The summary of observations of practice given in "
                          "January and July (002), by kind, team and role."))
        register(NavEntry("Practice Week", "practice:practice_week",
                          (C.VIEW_REPORTS, C.MANAGE_FRAMEWORK), order=77, group=REPORTS,
                          description="October's Practice Week: senior leaders' observations "
                          "of practice and the themes they saw (002)."))
        register(NavEntry("Observation tools", "practice:observation_tools",
                          (C.MANAGE_FRAMEWORK,), order=63, group=SETUP,
                          description="What observers look for in each kind of observation "
                          "of practice: draft tools to review before use."))
        register(NavEntry("ASYE years", "practice:asye_years",
                          (C.MANAGE_FRAMEWORK, C.MANAGE_STAFF), order=76, group=REGISTER,
                          description="Newly qualified social workers in their ASYE year and "
                          "their observations so far."))
        post_migrate.connect(_load_observation_tools, sender=self)


def _load_observation_tools(**kwargs: Any) -> None:
    from django.db import connections

    from auditloop.practice.models import ObservationToolVersion
    from auditloop.practice.observations import tools_load

    # Not after migrating the practice app back past the table (migrate practice zero).
    connection = connections[kwargs.get("using") or "default"]
    if ObservationToolVersion._meta.db_table in connection.introspection.table_names():
        tools_load()
