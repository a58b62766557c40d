"""Where the framework asks for the Perspective of Worker form (001), the demo's history has
practitioners' forms, varied and sent before the audit. Apart from test_history_trends.py,
whose council lives for the whole of that module."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from auditloop.audits.models import WorkerPerspective
from auditloop.demo.generator import generate_council
from auditloop.demo.history import build_audit_history
from auditloop.standards.services import preset_apply

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 31)


def test_where_the_framework_asks_most_practitioners_send_their_perspective() -> None:
    # 001: the Perspective of Worker form, filled in by the key worker before the audit.
    generate_council(scale="small", seed=7, reference_date=TODAY)
    preset_apply(key="001-early-help-domains")
    made = build_audit_history(rng=random.Random(7), today=TODAY, months=2, per_cycle=6,
                               themed_per_month=0, early_help_per_month=0)
    forms = WorkerPerspective.objects.filter(audit__in=made.audits)
    sent = forms.filter(submitted_at__isnull=False)
    assert forms.count() == len(made.audits) and sent.count() > len(made.audits) / 2
    texts = {v["value"] for form in sent for v in form.answers.values()}
    assert len(texts) > 10
    for form in sent.select_related("audit"):
        assert form.practitioner_id == form.audit.case.key_worker_id
        assert form.submitted_at < form.audit.submitted_at
