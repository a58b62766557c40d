"""Every URL of the service, walked as every role: who may open it and who may not.

A new URL must be added to EXPECTED, so nobody can add a page without deciding who sees it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from auditloop.cases.models import ImportJob
from auditloop.people.roles import Role
from tests.actions.world import ACTION_PLANS_EXPECTED, action_plans_world
from tests.audits.tracker_world import TRACKER_EXPECTED, tracker_world
from tests.factories import (
    CaseFactory,
    PersonFactory,
    TeamFactory,
    job_title_with_roles,
    make_action,
)
from tests.indicators.world import INDICATORS_EXPECTED, indicators_world
from tests.insight.world import REPORTS_EXPECTED, reports_world
from tests.moderation.world import MODERATION_EXPECTED, moderation_world
from tests.practice.world import PRACTICE_EXPECTED, practice_world
from tests.programme.loop_world import LOOP_EXPECTED, loop_world
from tests.programme.world import PROGRAMME_EXPECTED, programme_world
from tests.standards.world import standards_world
from tests.voice.world import VOICE_EXPECTED, voice_world

R = Role
ALL = frozenset(Role)
CASE_READERS = frozenset({
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.PRACTITIONER, R.TEAM_MANAGER, R.SENIOR_MANAGER,
    R.SERVICE_MANAGER, R.IRO, R.PARTNER_AGENCY_LEAD, R.SENIOR_PRACTITIONER,
    R.ASSISTANT_TEAM_MANAGER, R.PRACTICE_ASSESSOR_LEAD, R.PERSONAL_ADVISER,
})
# Roles that see every case, including one they have nothing to do with.
EVERY_CASE = frozenset({
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER,
})
# Actions carry no case: the Early Help Officers' reach (Early Help cases) opens none they
# have nothing to do with.
EVERY_ACTION = EVERY_CASE - {R.EARLY_HELP_OFFICER}
STAFF_READERS = frozenset({
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.SERVICE_MANAGER,
})
STAFF_EDITORS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})
IMPORTERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})
NOBODY: frozenset[Role] = frozenset()
FRAMEWORK_MANAGERS = frozenset({R.QA_MANAGER, R.HEAD_OF_QA})  # MANAGE_FRAMEWORK
REPORT_READERS = frozenset({  # VIEW_REPORTS
    R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER, R.ASSISTANT_DIRECTOR, R.DIRECTOR,
    R.PRINCIPAL_SOCIAL_WORKER, R.SENIOR_LEADER, R.SENIOR_MANAGER, R.SERVICE_MANAGER,
    R.STRATEGIC_LEAD})

# url name -> (method, roles allowed). Objects are ones the role has no relationship with.
EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {
    "home": ("get", ALL),
    "accessibility": ("get", ALL),
    # A job's landing page in the navigation, here the register's: whoever may use one of
    # its pages (cases, imports, quality control, staff, structure).
    "work_group": ("get", CASE_READERS | STAFF_READERS | IMPORTERS),
    "healthz": ("get", ALL),
    "readyz": ("get", ALL),
    "cases:case_list": ("get", CASE_READERS),
    "cases:case_detail": ("get", EVERY_CASE),
    "people:staff_list": ("get", STAFF_READERS),
    "people:staff_new": ("get", STAFF_EDITORS),
    "people:staff_detail": ("get", STAFF_READERS),
    "people:staff_edit": ("get", STAFF_EDITORS),
    "people:absence_new": ("get", STAFF_EDITORS),
    "people:training_new": ("get", STAFF_EDITORS),
    "people:structure": ("get", STAFF_EDITORS),
    "people:structure_new": ("get", STAFF_EDITORS),
    "people:structure_edit": ("get", STAFF_EDITORS),
    "people:job_title_new": ("get", STAFF_EDITORS),
    "people:job_title_edit": ("get", STAFF_EDITORS),
    "people:keep_alive": ("post", ALL),
    # Everyone sees and ends only their own sessions (tests/people/test_sessions.py).
    "people:sessions": ("get", ALL),
    "people:session_end": ("post", ALL),
    # The information governance lead's pages (governance/views.py), exports included.
    **{name: ("get", frozenset({R.INFORMATION_GOVERNANCE_LEAD})) for name in (
        "governance:access_log", "governance:access_log_csv", "governance:access_log_xlsx",
        "governance:sign_in_events", "governance:sign_in_events_csv")},
    "notifications:tray": ("get", ALL),
    "actions:my_actions": ("get", ALL),
    # An action agreed for someone else: only the QA team sees it.
    "actions:action_detail": ("get", EVERY_ACTION),
    # Reaching the form is access; the services decide who may act (tests/actions).
    "actions:action_progress": ("post", EVERY_ACTION),
    "actions:action_submit": ("post", EVERY_ACTION),
    "actions:action_sign_off": ("post", EVERY_ACTION),
    "actions:action_comment": ("post", EVERY_ACTION),
    "cases:import_list": ("get", IMPORTERS),
    "cases:import_new": ("get", IMPORTERS),
    "cases:import_detail": ("get", IMPORTERS),
    "cases:import_status": ("get", IMPORTERS),
    # Someone else's notice: nobody but its recipient may open it.
    "notifications:mark_read": ("post", NOBODY),
    "notifications:notice": ("get", NOBODY),
    # 003: what good looks like is "shared with all staff": every role reads the tools.
    "standards:tool_list": ("get", ALL),
    "standards:tool_detail": ("get", ALL),
    "standards:tool_version": ("get", ALL),
    "standards:tool_source": ("get", ALL),
    "standards:tool_upload": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_upload_review": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_version_delete": ("post", FRAMEWORK_MANAGERS),
    # Changing a tool in the browser (tests/standards/test_tool_editor.py).
    "standards:tool_edit_start": ("post", FRAMEWORK_MANAGERS),
    "standards:tool_edit": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_edit_scale": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_edit_grades": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_edit_section": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_edit_question_add": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_edit_question": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_edit_question_remove": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_edit_question_move": ("post", FRAMEWORK_MANAGERS),
    "standards:tool_edit_review": ("get", FRAMEWORK_MANAGERS),
    "standards:tool_edit_discard": ("post", FRAMEWORK_MANAGERS),
    "standards:framework": ("get", FRAMEWORK_MANAGERS),
    "standards:framework_history": ("get", FRAMEWORK_MANAGERS),
    "standards:framework_page": ("get", FRAMEWORK_MANAGERS),
    "standards:setting_edit": ("get", FRAMEWORK_MANAGERS),
    "standards:preset_list": ("get", FRAMEWORK_MANAGERS),
    "standards:preset_apply": ("get", FRAMEWORK_MANAGERS),
    "standards:scheduled_change_new": ("get", FRAMEWORK_MANAGERS),
    "standards:scheduled_change_cancel": ("post", FRAMEWORK_MANAGERS),
    # Immediate concerns: the audit's auditors and the QA team (who see every case and audit)
    # raise them; whoever sees every case reads them (the AD signs off their actions).
    "audits:concern_new": ("get", frozenset({R.QA_MANAGER, R.HEAD_OF_QA,
                                             R.EARLY_HELP_OFFICER, R.PRINCIPAL_SOCIAL_WORKER})),
    "audits:concern_detail": ("get", EVERY_CASE),
    "audits:concern_told": ("post", frozenset({R.QA_MANAGER, R.HEAD_OF_QA,
                                               R.EARLY_HELP_OFFICER,
                                               R.PRINCIPAL_SOCIAL_WORKER})),
    # The supervision list: whoever signs off actions (team managers and above).
    "audits:supervision": ("get", frozenset({R.TEAM_MANAGER, R.SENIOR_MANAGER,
                                             R.SERVICE_MANAGER, R.HEAD_OF_QA,
                                             R.ASSISTANT_DIRECTOR})),
    # Someone else's supervision: the QA team may read it; only its supervisor records it.
    "audits:supervision_item": ("get", EVERY_CASE),
    "audits:supervision_discussed": ("post", NOBODY),
    # Audits of my cases: whoever holds cases; my team's audits: whoever manages a team.
    "audits:my_case_audits": ("get", frozenset({
        R.PRACTITIONER, R.TEAM_MANAGER, R.PARTNER_AGENCY_LEAD, R.SENIOR_PRACTITIONER,
        R.ASSISTANT_TEAM_MANAGER, R.PRACTICE_ASSESSOR_LEAD, R.PERSONAL_ADVISER})),
    "audits:team_audits": ("get", frozenset({R.TEAM_MANAGER, R.SENIOR_MANAGER,
                                             R.SERVICE_MANAGER, R.ASSISTANT_TEAM_MANAGER})),
    # The audit programme (tests/programme/world.py): the QA manager and head of QA run
    # the cycle; managers put cases forward; auditors see and decline their own audits.
    **PROGRAMME_EXPECTED,
    **MODERATION_EXPECTED,
    **PRACTICE_EXPECTED,
    **TRACKER_EXPECTED,
    **ACTION_PLANS_EXPECTED,
    **LOOP_EXPECTED,
    # Reports: figures only, for whoever reads QA reports (leaders, managers, the QA team).
    "insight:monthly": ("get", REPORT_READERS),
    # The audits behind a figure: the same readers see its count; which audits each may
    # open is the audit page's own rule (tests/insight/test_drill.py).
    "insight:audits": ("get", REPORT_READERS),
    **REPORTS_EXPECTED,
    **INDICATORS_EXPECTED,
    # Complaints and compliments (tests/voice/world.py).
    **VOICE_EXPECTED,
    # 003 Tier 1: the central team and the Early Help service managers (of their cases).
    "quality:queue": ("get", IMPORTERS | {R.SERVICE_MANAGER}),
    "quality:to_fix": ("get", ALL),
    "quality:check": ("get", IMPORTERS),
    "quality:check_confirm": ("post", IMPORTERS),
    # Only the lead professional it was sent back to.
    "quality:check_fixed": ("post", NOBODY),
    # Voices, feedback and exports (audits/voice_views.py), on a stranger's submitted audit:
    # whoever sees every case reads the voices and the feedback; only the practitioner
    # fills in their form and only the auditors record conversations; the QA team sends
    # feedback and exports; only the case's key worker and team manager reply; on 001's
    # route the head of service for QA and the AD settle a disagreement, and moderators
    # list the panel's.
    # The audit page (audits/views.py), on a stranger's allocated audit: everyone has their
    # own list; the QA manager and head of QA create audits (RUN_CYCLE); whoever sees every
    # case reads it; only its current auditors open its pages to change it.
    "audits:audit_list": ("get", ALL),
    "audits:audit_new": ("get", frozenset({R.QA_MANAGER, R.HEAD_OF_QA})),
    "audits:audit_detail": ("get", EVERY_CASE),
    "audits:audit_section": ("get", NOBODY),
    "audits:audit_overall": ("get", NOBODY),
    "audits:audit_autosave": ("post", NOBODY),
    "audits:audit_check": ("get", NOBODY),
    "audits:audit_submit": ("post", NOBODY),
    "audits:voices": ("get", EVERY_CASE),
    "audits:perspective_edit": ("get", NOBODY),
    "audits:conversation_new": ("get", NOBODY),
    "audits:conversation_edit": ("get", NOBODY),
    "audits:feedback": ("get", EVERY_CASE),
    "audits:feedback_send": ("post", frozenset({R.QA_MANAGER, R.HEAD_OF_QA,
                                                R.EARLY_HELP_OFFICER,
                                                R.PRINCIPAL_SOCIAL_WORKER})),
    "audits:reply_new": ("post", NOBODY),
    "audits:reply_action_new": ("get", NOBODY),
    "audits:actions_agree": ("post", NOBODY),
    "audits:disagreement_list": ("get", frozenset({R.HEAD_OF_QA, R.ASSISTANT_DIRECTOR,
                                                   R.MODERATOR, R.PRINCIPAL_SOCIAL_WORKER})),
    "audits:disagreement_settle": ("get", frozenset({R.HEAD_OF_QA, R.ASSISTANT_DIRECTOR})),
    "audits:earlier_feedback_new": ("get", NOBODY),
    "audits:earlier_feedback_detail": ("get", EVERY_CASE),
    **{name: ("get", frozenset({R.QA_MANAGER, R.HEAD_OF_QA, R.EARLY_HELP_OFFICER,
                                R.PRINCIPAL_SOCIAL_WORKER}))
       for name in ("audits:export_pdf", "audits:export_docx", "audits:export_case_note")},
}


def _walk(patterns: list, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:  # type: ignore[type-arg]
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), p


def our_url_names() -> set[str]:
    # allauth's and the operator admin's own pages are theirs to guard.
    return {name for name, p in _walk(get_resolver().url_patterns)
            if p.callback.__module__.startswith("auditloop.")}


def test_every_url_is_in_the_matrix():
    missing = our_url_names() - set(EXPECTED)
    assert not missing, f"Decide who may open these URLs and add them to EXPECTED: {missing}"
    stale = set(EXPECTED) - our_url_names()
    assert not stale, f"These URLs no longer exist: {stale}"


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    from auditloop.notifications.models import Notification

    stranger = PersonFactory(team=TeamFactory(name="Elsewhere team"))
    case = CaseFactory()
    notice = Notification.objects.create(recipient=stranger, subject="For someone else")
    job_title = job_title_with_roles("Social Worker", R.PRACTITIONER)
    action = make_action(owner=stranger)
    job = ImportJob.objects.create(format=ImportJob.Format.MONTHLY)
    from tests.factories import make_quality_check
    quality_check = make_quality_check()
    from tests.factories import make_immediate_concern, make_supervision_item
    concern = make_immediate_concern()
    supervision_item = make_supervision_item()
    from tests.factories import make_disputed_audit
    disputed, conversation, disagreement, earlier = make_disputed_audit()
    from tests.factories import make_audit
    allocated = make_audit()
    return {
        **{name: {"audit_id": allocated.pk} for name in (
            "audits:audit_detail", "audits:audit_overall", "audits:audit_autosave",
            "audits:audit_check", "audits:audit_submit")},
        "audits:audit_section": {"audit_id": allocated.pk, "section_key": "assessment"},
        **{name: {"audit_id": disputed.pk} for name in (
            "audits:voices", "audits:perspective_edit", "audits:feedback",
            "audits:feedback_send", "audits:reply_new", "audits:reply_action_new",
            "audits:actions_agree", "audits:earlier_feedback_new", "audits:export_pdf",
            "audits:export_docx", "audits:export_case_note")},
        "audits:conversation_new": {"audit_id": disputed.pk, "kind": "learning"},
        "audits:conversation_edit": {"audit_id": disputed.pk,
                                     "conversation_id": conversation.pk},
        "audits:disagreement_settle": {"disagreement_id": disagreement.pk},
        "audits:earlier_feedback_detail": {"feedback_id": earlier.pk},
        "audits:concern_new": {"audit_id": concern.audit_id},
        **{name: {"concern_id": concern.pk}
           for name in ("audits:concern_detail", "audits:concern_told")},
        **{name: {"item_id": supervision_item.pk}
           for name in ("audits:supervision_item", "audits:supervision_discussed")},
        **{name: {"check_id": quality_check.pk} for name in EXPECTED
           if name.startswith("quality:check")},
        "cases:import_detail": {"job_id": job.pk},
        "cases:import_status": {"job_id": job.pk},
        **{name: {"action_id": action.pk} for name in EXPECTED if name.startswith("actions:a")},
        "cases:case_detail": {"case_id": case.pk},
        "work_group": {"group": "register"},
        "people:staff_detail": {"person_id": stranger.pk},
        "people:staff_edit": {"person_id": stranger.pk},
        "people:absence_new": {"person_id": stranger.pk},
        "people:training_new": {"person_id": stranger.pk},
        "people:structure_new": {"kind": "team"},
        "people:structure_edit": {"kind": "team", "pk": stranger.team_id},
        "people:job_title_edit": {"pk": job_title.pk},
        "people:session_end": {"session_id": 1},
        "notifications:mark_read": {"notification_id": notice.pk},
        "notifications:notice": {"notification_id": notice.pk},
        **standards_world(),
        "standards:framework_page": {"page": "moderation"},
        **programme_world(),
        **moderation_world(),
        **practice_world(),
        **tracker_world(),
        **action_plans_world(),
        **loop_world(),
        **reports_world(),
        **indicators_world(),
        **voice_world(),
    }


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_matrix(role: Role, world, client_for):  # type: ignore[no-untyped-def]
    person = PersonFactory(roles=[role])
    client: Client = client_for(person)
    wrong = []
    for name, (method, allowed) in sorted(EXPECTED.items()):
        url = reverse(name, kwargs=world.get(name))
        response = getattr(client, method)(url)
        ok = response.status_code not in (403, 404, 405) and not (
            response.status_code == 302 and "/accounts/login" in response["Location"]
        )
        if ok != (role in allowed):
            wrong.append(f"{method.upper()} {name}: {response.status_code}")
        if role not in allowed:
            assert response.status_code in (403, 404), f"{name} refused with {response.status_code}"
    assert not wrong, f"{role.label} got the wrong answer on: {wrong}"


def test_signed_out_visitors_are_sent_to_sign_in(world):  # type: ignore[no-untyped-def]
    client = Client()
    # Open to everyone: the health checks, the accessibility statement and a family's
    # one-time feedback link (tests/voice/test_family_feedback.py).
    for name, (method, _) in EXPECTED.items():
        if name in ("healthz", "readyz", "accessibility", "voice:feedback",
                    "voice:feedback_code"):
            continue
        response = getattr(client, method)(reverse(name, kwargs=world.get(name)))
        assert response.status_code == 302 and "/accounts/login" in response["Location"], name


def test_deactivated_staff_lose_every_role(world, client_for):  # type: ignore[no-untyped-def]
    person = PersonFactory(roles=[R.QA_MANAGER], is_active=False)
    client = client_for(person)
    assert client.get(reverse("cases:case_list")).status_code == 403
    assert dt.date.today  # keeps the import honest for later date-based rows
