"""Whether a step is open to a person now and, if not, why: one rule per step, decided
here (or, for an audit's steps, in audits/voices.py) and only shown by views and templates.
The pages put the reason where the button would be ("Confirm the actions once the
disagreement is settled"), so nobody is left wondering why a button is missing."""

from __future__ import annotations

from dataclasses import dataclass

from auditloop.actions.models import Action
from auditloop.actions.services import may_sign_off
from auditloop.common.dates import gds_date
from auditloop.people.models import Person


@dataclass(frozen=True)
class Step:
    """One step for one person: `available` shows its button; otherwise `reason` (if any)
    says why not yet, or that it is done. A step that is not this person's to take has
    neither, and the page shows nothing for it."""

    available: bool = False
    reason: str = ""

    @property
    def shown(self) -> bool:
        return self.available or bool(self.reason)


NOT_THEIRS = Step()


def _who_signs(action: Action) -> str:
    if action.sign_off_person_id is not None and action.sign_off_person is not None:
        return action.sign_off_person.full_name
    return f"the {action.get_sign_off_role_display().lower()}"


def send_for_sign_off_step(action: Action, person: Person | None) -> Step:
    """The owner sends the action for sign-off with the evidence that it is done."""
    if person is None or action.owner != person:
        return NOT_THEIRS
    if action.is_done:
        return Step(reason=f"Done: signed off on {gds_date(action.signed_off_at)}."
                    if action.signed_off_at else "Done: signed off.")
    if action.awaiting_sign_off:
        return Step(reason=f"Sent for sign-off on {gds_date(action.completion_submitted_at)}: "
                           f"waiting for {_who_signs(action)} to sign it off.")
    return Step(available=True)


def sign_off_step(action: Action, person: Person | None) -> Step:
    """Whoever the action names signs it off, once the owner has sent it with evidence."""
    if person is None or not may_sign_off(action=action, person=person):
        return NOT_THEIRS
    if action.is_done:
        return Step(reason=f"Done: signed off on {gds_date(action.signed_off_at)}."
                    if action.signed_off_at else "Done: signed off.")
    if not action.awaiting_sign_off:
        return Step(reason="Sign it off once its owner sends it for sign-off with the evidence "
                           "that it is done.")
    return Step(available=True)
