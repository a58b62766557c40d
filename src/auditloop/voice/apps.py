"""What families and staff tell us: families' feedback when a case closes, staff surveys,
feedback on the audit process, complaints and compliments."""
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VoiceConfig(AppConfig):
    name = "auditloop.voice"
    label = "voice"
    verbose_name = "What families and staff tell us"

    def ready(self) -> None:
        from auditloop.common.navigation import MONTH, MY_WORK, REPORTS, SETUP, NavEntry, register
        from auditloop.people.roles import Capability as C

        register(NavEntry("Feedback questions", "voice:question_set_list",
                          (C.MANAGE_FRAMEWORK,), order=62, group=SETUP,
                          description="The draft questions for families' and children's feedback "
                          "when a case closes, to review before use."))
        register(NavEntry("Families' feedback", "voice:feedback_summary", (C.VIEW_REPORTS,),
                          order=59, group=REPORTS,
                          description="What families said after their case closed, each "
                          "quarter: counts, shares with intervals and quotes (000)."))
        register(NavEntry("Calls to families", "voice:calls",
                          (C.VIEW_ALL_CASES, C.VIEW_EARLY_HELP_CASES), order=48, group=MONTH,
                          description="Closed cases drawn at random, to call each family and "
                          "record their views (000)."))
        register(NavEntry("Complaints and compliments", "voice:complaint_list",
                          (C.LOG_COMPLAINTS, C.VIEW_REPORTS), order=58, group=REPORTS,
                          description="The log of complaints and compliments, their outcome "
                          "and learning, and the themes they raise (002)."))
        register(NavEntry("Complaint themes", "voice:complaint_themes",
                          (C.LOG_COMPLAINTS, C.RUN_CYCLE, C.VIEW_REPORTS), order=58,
                          group=REPORTS, description="The year's complaints by theme, and a "
                          "themed audit proposed from any of them."))
        post_migrate.connect(_load_question_sets, sender=self)
        _closures(register, NavEntry, C, MY_WORK)
        _surveys(register, NavEntry, C, REPORTS)

        from auditloop.cases import sections
        from auditloop.voice.views import case_feedback_section

        sections.register(case_feedback_section)


def _surveys(register: Any, nav_entry: Any, caps: Any, reports: Any) -> None:
    """Staff surveys and feedback on the audit process (002): their pages, the home panel
    (surveys and audits waiting for the person's answers) and whether a survey's notice is
    done."""
    from auditloop.common import attention
    from auditloop.notifications.done import register_done_check
    from auditloop.voice import surveys

    register(nav_entry("Staff surveys", "voice:survey_list",
                       (caps.VIEW_REPORTS, caps.RUN_CYCLE), order=60, group=reports,
                       description="The annual staff survey and pulse surveys: open one, "
                       "and read the answers with counts and intervals (002)."))
    register(nav_entry("Feedback on audits", "voice:audit_feedback_results",
                       (caps.VIEW_REPORTS,), order=61, group=reports,
                       description="What those audited and their auditors said about the "
                       "audit process, each quarter (002)."))
    attention.register(surveys.home_panel)
    register_done_check(surveys.SURVEY_NOTICE)(surveys.survey_notices_done)


def _closures(register: Any, nav_entry: Any, caps: Any, my_work: Any) -> None:
    """000: closed cases wait for their family's feedback invitation: an import that closes
    a case puts it on its key worker's list (the register's signal, as quality control's
    queue is filled)."""
    from auditloop.cases.signals import register_imported
    from auditloop.common import attention
    from auditloop.voice.closures import closures_imported, home_panel

    register_imported.connect(closures_imported, dispatch_uid="voice.closures_imported")
    attention.register(home_panel)
    register(nav_entry("Feedback invitations", "voice:closures_waiting",
                       # Practitioners reach their own from the home page's panel: their
                       # navigation then fits on one row.
                       (caps.VIEW_TEAM_CASES,), order=47, group=my_work,
                       description="Closed cases waiting for the family to be invited to "
                       "give feedback, by e-mail, text message or letter (000)."))


def _load_question_sets(**kwargs: Any) -> None:
    from django.db import connections

    from auditloop.voice.models import QuestionSetVersion
    from auditloop.voice.services import question_sets_load

    # Not after migrating the voice app back past the table (migrate voice zero).
    connection = connections[kwargs.get("using") or "default"]
    if QuestionSetVersion._meta.db_table in connection.introspection.table_names():
        question_sets_load()
