"""The framework's limit on how long an agreed action may take (002: "audit actions are
completed within a maximum of 40 days"): the one place the limit is computed, for every
path that agrees an action (the audit itself, a reply, an immediate concern, a quality
check) and for the tracker that counts days against it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.formats import date_format

from auditloop.common.errors import DomainError
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.settings_spec import SETTINGS

SETTING = "action_deadline_days"


@dataclass(frozen=True)
class ActionDeadline:
    """`days`: the framework's limit, or None when it sets none."""

    days: int | None

    @property
    def setting_label(self) -> str:
        return SETTINGS[SETTING].label

    def latest_due_on(self, agreed_on: dt.date) -> dt.date | None:
        """The last day an action agreed on `agreed_on` may be due (day `days` is within)."""
        return agreed_on + dt.timedelta(days=self.days) if self.days else None

    def over_limit(self, due_on: dt.date, *, agreed_on: dt.date) -> bool:
        latest = self.latest_due_on(agreed_on)
        return latest is not None and due_on > latest

    def refusal(self, *, agreed_on: dt.date) -> str:
        """What to tell someone whose date is past the limit, naming the setting."""
        latest = self.latest_due_on(agreed_on)
        assert latest is not None and self.days
        return (f"Choose a date no later than {date_format(latest, 'j F Y')}: the framework "
                f"asks for actions to be completed within {self.days} days of being agreed "
                f"(“{self.setting_label}”).")

    def check(self, due_on: dt.date, *, agreed_on: dt.date, field: str = "due_on") -> None:
        """Refuse a due date past the limit (DomainError on `field`)."""
        if self.over_limit(due_on, agreed_on=agreed_on):
            raise DomainError(self.refusal(agreed_on=agreed_on), field=field)

    @property
    def sentence(self) -> str:
        """The rule as the pages state it."""
        if not self.days:
            return "The framework sets no limit on how long an action may take."
        return f"Actions are completed within {self.days} days of being agreed."


def action_deadline() -> ActionDeadline:
    """The framework's limit as it stands today."""
    return ActionDeadline(days=framework_settings_row().action_deadline_days)
