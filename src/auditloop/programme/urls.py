"""The audit programme's URLs."""

from django.urls import path

from auditloop.programme import allocation_views as a
from auditloop.programme import learning_views as lv
from auditloop.programme import loop_views as lp
from auditloop.programme import meeting_views as m
from auditloop.programme import proposal_views as pv
from auditloop.programme import views as v

app_name = "programme"
urlpatterns = [
    path("", v.cycle_list, name="cycle_list"),
    path("new", v.cycle_new, name="cycle_new"),
    path("programmes/new", v.programme_new, name="programme_new"),
    path("coverage", v.coverage, name="coverage"),
    path("put-forward", v.put_forward, name="put_forward"),
    path("put-forward/<int:request_id>/withdraw", v.withdraw_request, name="withdraw_request"),
    path("my-audits", a.my_audits, name="my_audits"),
    path("my-audits/<int:assignment_id>/decline", a.decline, name="decline"),
    path("<int:cycle_id>/", v.cycle_detail, name="cycle_detail"),
    path("<int:cycle_id>/propose", v.propose, name="propose"),
    path("<int:cycle_id>/draws/<int:draw_id>", v.draw_check, name="draw_check"),
    path("<int:cycle_id>/cases/<int:cycle_case_id>/change", v.change_case, name="change_case"),
    path("<int:cycle_id>/cases/add", v.add_case, name="add_case"),
    path("<int:cycle_id>/cases/confirm", v.confirm_cases, name="confirm_cases"),
    path("<int:cycle_id>/cases/reopen", v.reopen_cases, name="reopen_cases"),
    path("<int:cycle_id>/themes", v.themes, name="themes"),
    path("<int:cycle_id>/contacts/<int:contact_id>/done", v.contact_done, name="contact_done"),
    path("<int:cycle_id>/close", v.close_cycle, name="close_cycle"),
    path("<int:cycle_id>/allocation", a.allocation, name="allocation"),
    path("<int:cycle_id>/allocation/propose", a.allocation_propose, name="allocation_propose"),
    path("<int:cycle_id>/allocation/lines/<int:line_id>", a.allocation_override,
         name="allocation_override"),
    path("<int:cycle_id>/allocation/confirm", a.allocation_confirm, name="allocation_confirm"),
    path("<int:cycle_id>/allocation.csv", a.allocations_csv, name="allocations_csv"),
    path("<int:cycle_id>/assignments/<int:assignment_id>/absent", a.assignment_absent,
         name="assignment_absent"),
    path("<int:cycle_id>/cases/<int:cycle_case_id>/auditor", a.choose_auditor,
         name="choose_auditor"),
    path("<int:cycle_id>/notices", a.notices, name="notices"),
    path("<int:cycle_id>/notices/status", a.notices_status, name="notices_status"),
    path("<int:cycle_id>/meeting", m.meeting, name="meeting"),
    path("<int:cycle_id>/meeting/agenda", m.agenda_build, name="agenda_build"),
    path("<int:cycle_id>/meeting/items/<int:item_id>/move", m.agenda_move, name="agenda_move"),
    path("<int:cycle_id>/meeting/items/<int:item_id>", m.minutes, name="minutes"),
    path("<int:cycle_id>/meeting/details", m.meeting_details, name="meeting_details"),
    path("<int:cycle_id>/meeting/close", m.meeting_close, name="meeting_close"),
    path("<int:cycle_id>/meeting/follow-ups/<int:audit_id>/escalate", m.follow_up_escalate,
         name="follow_up_escalate"),
    path("<int:cycle_id>/case-notes", m.case_notes, name="case_notes"),
    path("<int:cycle_id>/case-notes.csv", m.case_notes_csv, name="case_notes_csv"),
    # Closing the loop: revisits of a theme, the loop views, learning sessions (002, 004)
    # Proposed themed audits, from complaints' themes and indicators' signals (004)
    path("proposals/", pv.proposal_list, name="proposal_list"),
    path("proposals/<int:proposal_id>/accept", pv.proposal_accept, name="proposal_accept"),
    path("proposals/<int:proposal_id>/edit", pv.proposal_edit, name="proposal_edit"),
    path("proposals/<int:proposal_id>/dismiss", pv.proposal_dismiss, name="proposal_dismiss"),
    path("revisits/", lp.revisit_list, name="revisit_list"),
    path("revisits/<int:revisit_id>/", lp.revisit_detail, name="revisit_detail"),
    path("revisits/<int:revisit_id>/start", lp.revisit_start, name="revisit_start"),
    path("revisits/<int:revisit_id>/postpone", lp.revisit_postpone, name="revisit_postpone"),
    path("revisits/<int:revisit_id>/cancel", lp.revisit_cancel, name="revisit_cancel"),
    path("loop/", lp.loop_index, name="loop_index"),
    path("loop/themes/<slug:theme_slug>", lp.loop_theme, name="loop_theme"),
    path("loop/plans/<int:plan_id>", lp.loop_plan, name="loop_plan"),
    path("learning/", lv.learning_list, name="learning_list"),
    path("learning/new", lv.learning_new, name="learning_new"),
    path("learning/<int:session_id>/", lv.learning_detail, name="learning_detail"),
    path("learning/<int:session_id>/record", lv.learning_record, name="learning_record"),
    path("learning/<int:session_id>/attendance", lv.learning_attendance,
         name="learning_attendance"),
    path("learning/<int:session_id>/improvements", lv.learning_improvement_add,
         name="learning_improvement_add"),
    path("learning/<int:session_id>/improvements/<int:improvement_id>/finding",
         lv.learning_improvement_finding, name="learning_improvement_finding"),
    path("learning/<int:session_id>/improvements/<int:improvement_id>/plan",
         lv.learning_improvement_plan, name="learning_improvement_plan"),
]
