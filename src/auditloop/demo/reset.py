"""What `auditloop demo --reset` removes before the demo's cases and staff: the rows the
feature builders (moderation.py, practice.py, voice.py and those to come) made that hang off
a demo person or a demo case by a protected key. Without this, deleting the staff stops at
the first such row (the calibration exercise's participants, an IRO's team link).

The audit history, the action plans and the loop have their own `remove()`; this runs after
them. In a demo database every row that a demo person's or a demo case's deletion would be
blocked by, in the apps the builders write to, is the demo's own: it goes, and with it what
it protects in turn (history._purge).
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from auditloop.cases.models import Case
from auditloop.demo.history import _purge
from auditloop.demo.moderation import EXERCISE_TITLE
from auditloop.demo.structure import DEMO_SOURCE, STAFF_PREFIX
from auditloop.people.models import Person

# The apps the feature builders write to. The register (cases, people) and the audit
# history (audits, actions, programme) are removed by their own code, by name.
BUILT_BY_FEATURES = ("moderation", "practice", "voice", "indicators")
BLOCKING = (models.PROTECT, models.RESTRICT)


def _blocking_keys(target: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    out = []
    for label in BUILT_BY_FEATURES:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models():
            for f in model._meta.concrete_fields:
                if (isinstance(f, models.ForeignKey) and f.remote_field.model is target
                        and f.remote_field.on_delete in BLOCKING):
                    out.append((model, f.name))
    return out


def remove_feature_rows() -> int:
    """Remove the builders' rows that would block deleting the demo's staff and cases."""
    from auditloop.moderation.models import CalibrationExercise

    people = Person.objects.filter(staff_number__startswith=STAFF_PREFIX).values("pk")
    cases = Case.objects.filter(source=DEMO_SOURCE).values("pk")
    # The calibration exercise goes whole (its participants with it), even the panel's
    # reference grades set by a demo sign-in.
    removed = _purge(CalibrationExercise.objects.filter(title=EXERCISE_TITLE))
    for target, ids in ((Person, people), (Case, cases)):
        for model, name in _blocking_keys(target):
            removed += _purge(model._default_manager.filter(**{f"{name}__in": ids}))
    return removed
