"""Writes of the programme, one module per step of the cycle:

- cycles: creating cycles (monthly or one-off) and their themes
- selection: proposing, swapping, adding and confirming the cases; requests
- allocation: the solver's proposal, overrides, confirming into audits; declining, absence
- notices: batches of notices sent by a background task
- meeting: the agenda, minutes, the prevalent issue, closing the meeting
- loop: revisits of a theme (scheduled, started, postponed, cancelled)
- learning: the reflective learning session and the post-audit briefing
"""

from auditloop.programme.services.allocation import (
    allocation_confirm,
    allocation_decline,
    allocation_override,
    allocation_propose,
    assignment_absent,
    assignment_choose,
)
from auditloop.programme.services.cycles import cycle_create, cycle_set_theme, indicator_theme_add
from auditloop.programme.services.learning import (
    learning_attendance_record,
    learning_improvement_add,
    learning_improvement_to_action_plan,
    learning_improvement_to_finding,
    learning_invitations_send,
    learning_session_create,
    learning_session_record,
)
from auditloop.programme.services.loop import (
    revisit_cancel,
    revisit_postpone,
    revisit_schedule,
    revisit_start,
)
from auditloop.programme.services.meeting import (
    agenda_build,
    agenda_move,
    cycle_close,
    follow_up_escalate,
    meeting_close,
    meeting_details_save,
    minutes_save,
)
from auditloop.programme.services.notices import notices_queue, notices_send, reminders_due
from auditloop.programme.services.selection import (
    SelectionAsk,
    case_request_create,
    case_request_withdraw,
    contact_done,
    selection_add,
    selection_confirm,
    selection_propose,
    selection_remove,
    selection_reopen,
    selection_swap,
)

__all__ = [
    "SelectionAsk", "agenda_build", "agenda_move", "allocation_confirm", "allocation_decline",
    "allocation_override", "allocation_propose", "assignment_absent", "assignment_choose",
    "case_request_create", "case_request_withdraw", "contact_done", "cycle_close",
    "cycle_create", "cycle_set_theme", "follow_up_escalate", "indicator_theme_add",
    "meeting_close", "meeting_details_save", "minutes_save", "notices_queue", "notices_send",
    "reminders_due", "selection_add", "selection_confirm", "selection_propose",
    "selection_remove", "selection_reopen", "selection_swap",
    "learning_attendance_record", "learning_improvement_add",
    "learning_improvement_to_action_plan", "learning_improvement_to_finding",
    "learning_invitations_send", "learning_session_create", "learning_session_record",
    "revisit_cancel", "revisit_postpone", "revisit_schedule", "revisit_start",
]
