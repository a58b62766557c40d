"""The calibration case reads as the QA manager wrote it: a blank line starts a paragraph, a
line break inside one (where the text was wrapped when written) does not, and long words and
web addresses wrap inside the column (the app-case-text style) so no page scrolls sideways."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from auditloop.moderation import services
from auditloop.people.roles import Role
from tests.factories import PersonFactory
from tests.moderation.factories import make_cycle, set_framework, submitted_audit

pytestmark = pytest.mark.django_db
ADDRESS = "https://records.example/early-help/plans/2026/family-action-plan-reviewed-late"
VIGNETTE = f"""An invented family for the exercise: no real case and no case record.

Sam (9) and Riley (4) live with their mother. Early Help has worked with
the family for eleven months. The plan is at
{ADDRESS}
"""


def test_the_case_flows_in_paragraphs_and_long_words_wrap(client_for):  # type: ignore[no-untyped-def]
    set_framework(moderation_share_percent=Decimal("100"))
    audit = submitted_audit(make_cycle())
    exercise = services.calibration_create(actor=None, title="A family where neglect drifts",
                                           tool_version=audit.tool_version,
                                           vignette=VIGNETTE, participants=[])
    client = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    body = client.get(reverse("moderation:calibration_detail", args=[exercise.pk])
                      ).content.decode()
    case = re.search(r'<div class="govuk-inset-text app-case-text">(.*?)</div>', body, re.S)
    assert case is not None
    paragraphs = re.findall(r"<p class=\"govuk-body\">(.*?)</p>", case.group(1), re.S)
    assert len(paragraphs) == 2
    assert "has worked with the family for eleven months" in paragraphs[1]
    assert paragraphs[1].endswith(ADDRESS)


def test_the_case_text_style_wraps_long_words() -> None:
    from pathlib import Path

    scss = (Path(__file__).resolve().parents[2] / "src" / "auditloop" / "static" / "src"
            / "auditloop.scss").read_text()
    rule = re.search(r"\.app-case-text,\s*\.app-case-text \.govuk-body,\s*\.app-wrap\s*\{(.*?)\}",
                     scss, re.S)
    assert rule is not None and "overflow-wrap: anywhere" in rule.group(1)
