"""When the work an audit's notices ask for is done: the checks the audits app registers
with the tray (notifications/done.py), so a notice opened after the work is done says so
("Done: the actions were agreed on 3 December 2026") instead of asking again.

The kinds are the audits app's own; the services that raise the notices name them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from auditloop.actions.models import Action
from auditloop.audits.models import (
    Audit,
    AuditAction,
    AuditTransition,
    Disagreement,
    FeedbackReply,
    SupervisionItem,
    WorkerPerspective,
)
from auditloop.common.dates import gds_date
from auditloop.notifications.done import (
    about,
    about_ids,
    by_notice,
    none_open,
    register_done_check,
    said,
)
from auditloop.notifications.models import Notification

S = Audit.Status
# What a notice asks (Notification.kind).
REPLY = "audit_reply"  # read the audit's findings and reply (feedback sent, remedial action)
AGREE_ACTIONS = "audit_agree_actions"  # agree SMART actions (requires improvement, 001)
PERSPECTIVE = "audit_worker_perspective"  # fill in the Perspective of Worker form (001)
SETTLE = "audit_settle_disagreement"  # settle a disagreement about the findings
ACTION_OVERDUE = "audit_action_overdue"  # help an overdue audit action get done (002)
CONCERN = "audit_immediate_concern"  # act on an immediate safeguarding concern (002)


def about_audit(audit: Audit | int) -> str:
    return about("audit", audit if isinstance(audit, int) else audit.pk)


def _actions_agreed(audit_ids: set[int]) -> dict[int, str]:
    """For each audit whose actions are agreed (or which is closed), since when."""
    ended = dict(Audit.objects.filter(pk__in=audit_ids, status__in=[S.ACTIONS_AGREED, S.CLOSED])
                 .values_list("pk", "status"))
    if not ended:
        return {}
    when: dict[int, str] = {}
    for audit_id, to_status, at in (AuditTransition.objects
                                    .filter(audit_id__in=ended,
                                            to_status__in=[S.ACTIONS_AGREED, S.CLOSED])
                                    .order_by("at", "id")
                                    .values_list("audit_id", "to_status", "at")):
        if to_status == S.ACTIONS_AGREED:
            when[audit_id] = f"Done: the actions were agreed on {gds_date(at)}."
        elif audit_id not in when:
            when[audit_id] = f"Done: the audit was closed on {gds_date(at)}."
    for audit_id, status in ended.items():
        when.setdefault(audit_id, "Done: the actions were agreed." if status == S.ACTIONS_AGREED
                        else "Done: the audit is closed.")
    return when


@register_done_check(REPLY)
def replied(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once the recipient has replied, or the audit's actions are agreed (the reply's
    purpose), or the audit is closed."""
    ids = about_ids(notices, "audit")
    agreed = _actions_agreed(set(ids.values()))
    replies: dict[tuple[int, int], str] = {}
    for audit_id, person_id, at in (FeedbackReply.objects
                                    .filter(audit_id__in=set(ids.values()),
                                            person_id__in={n.recipient_id for n in notices})
                                    .order_by("created_at", "id")
                                    .values_list("audit_id", "person_id", "created_at")):
        replies.setdefault((audit_id, person_id), f"Done: you replied on {gds_date(at)}.")
    done = {}
    for n in notices:
        about_id = ids.get(n.pk)
        if about_id is None:
            continue
        sentence = replies.get((about_id, n.recipient_id)) or agreed.get(about_id)
        if sentence:
            done[n.pk] = sentence
    return done


@register_done_check(AGREE_ACTIONS)
def actions_agreed(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once the audit's actions are agreed, or the team manager has recorded the
    discussion that agrees them."""
    ids = about_ids(notices, "audit")
    agreed = _actions_agreed(set(ids.values()))
    discussed: dict[int, str] = {}
    for audit_id, at in (SupervisionItem.objects
                         .filter(audit_id__in=set(ids.values()) - set(agreed),
                                 reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT,
                                 discussed_at__isnull=False)
                         .order_by("discussed_at").values_list("audit_id", "discussed_at")):
        discussed.setdefault(audit_id, f"Done: the discussion agreeing the actions was "
                                       f"recorded on {gds_date(at)}.")
    return {n.pk: agreed.get(a) or discussed[a] for n in notices
            if (a := ids.get(n.pk)) is not None and (a in agreed or a in discussed)}


@register_done_check(PERSPECTIVE)
def perspective_sent(notices: Sequence[Notification]) -> Mapping[int, str]:
    ids = about_ids(notices, "audit")
    sent = dict(WorkerPerspective.objects.filter(audit_id__in=set(ids.values()),
                                                 submitted_at__isnull=False)
                .values_list("audit_id", "submitted_at"))
    return by_notice(notices, ids, {a: said("Done: the perspective was sent on {}.", at)
                                    for a, at in sent.items()})


@register_done_check(SETTLE)
def disagreement_settled(notices: Sequence[Notification]) -> Mapping[int, str]:
    ids = about_ids(notices, "disagreement")
    settled = dict(Disagreement.objects.filter(pk__in=set(ids.values()),
                                               settled_at__isnull=False)
                   .values_list("pk", "settled_at"))
    return by_notice(notices, ids, {d: said("Done: the disagreement was settled on {}.", at)
                                    for d, at in settled.items()})


@register_done_check(ACTION_OVERDUE)
def action_signed_off(notices: Sequence[Notification]) -> Mapping[int, str]:
    ids = about_ids(notices, "action")
    green = dict(Action.objects.filter(pk__in=set(ids.values()), status=Action.Status.GREEN)
                 .values_list("pk", "signed_off_at"))
    return by_notice(notices, ids, {
        a: said("Done: the action was signed off on {}.", at, "Done: the action was signed off.")
        for a, at in green.items()})


def about_concern(concern_id: int) -> str:
    return about("concern", concern_id)


@register_done_check(CONCERN)
def concern_resolved(notices: Sequence[Notification]) -> Mapping[int, str]:
    """Done once every time-bound action of the concern is signed off as done (green): the
    concern is then resolved (concerns.unresolved_concerns)."""
    ids = about_ids(notices, "concern")
    resolved = none_open(
        (concern_id, status != Action.Status.GREEN, at)
        for concern_id, status, at in (AuditAction.objects
                                       .filter(concern_id__in=set(ids.values()))
                                       .values_list("concern_id", "action__status",
                                                    "action__signed_off_at")))
    return by_notice(notices, ids, {
        c: said("Done: the concern's actions were all signed off, the last on {}.", at,
                "Done: the concern's actions were all signed off.")
        for c, at in resolved.items()})
