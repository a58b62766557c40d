"""Recommendations become action plans, and wider learning findings, from the page where
they arise: the QA meeting, a programme without a meeting (a thematic audit), and the
moderation panel's meeting. The page links to the forms with its source filled in, and lists
what was made from it."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from auditloop.actions.models import ActionPlan, Finding
from auditloop.people.roles import Role
from auditloop.programme.models import Cycle
from tests.actions.factories import make_plan, strategic_lead
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def cycle(**kwargs):  # type: ignore[no-untyped-def]
    start = dt.date(2026, 6, 1)
    values = {"year": 2026, "number": 6, "period_start": start, "theme": "Neglect",
              "period_end": dt.date(2026, 6, 30), "audit_starts_on": start,
              "audits_due_on": dt.date(2026, 6, 25), "meeting_on": dt.date(2026, 6, 30),
              "status": Cycle.Status.ALLOCATED, **kwargs}
    return Cycle.objects.create(**values)


def link_query(page: str, path: str) -> dict[str, str]:
    start = page.index(f'href="{path}?') + len('href="')
    href = page[start:page.index('"', start)].replace("&amp;", "&")
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def test_the_qa_meeting_links_to_a_plan_with_its_source_and_lists_what_was_made(client_for):
    c = cycle()
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    client = client_for(qa)
    page = client.get(reverse("programme:meeting", args=[c.pk])).content.decode()
    assert "No action plan or finding has been made from it yet." in page
    query = link_query(page, reverse("actions:plan_new"))
    assert query == {"source": "qa_meeting", "label": "QA meeting, June 2026 cycle",
                     "from": f"cycle:{c.pk}", "theme": "Neglect"}

    form = client.get(reverse("actions:plan_new"), query).context["form"]
    assert form.initial["source"] == "qa_meeting" and form.initial["theme"] == "Neglect"
    lead = strategic_lead()
    data = {"form_token": form.initial["form_token"], "origin": query["from"],
            "title": "Chronologies",
            "recommendation": "Keep chronologies current", "source": "qa_meeting",
            "source_label": query["label"], "theme": "Neglect", "strategic_lead": lead.pk}
    client.post(reverse("actions:plan_new"), data)
    # A second press with a fresh token but the same meeting and title makes no second plan.
    client.post(reverse("actions:plan_new"), {**data, "form_token": "f" * 32})
    plan = ActionPlan.objects.get()
    assert plan.source_key == f"cycle:{c.pk}"
    page = client.get(reverse("programme:meeting", args=[c.pk])).content.decode()
    assert reverse("actions:plan_detail", args=[plan.pk]) in page


def meeting_sample(number: int = 6):  # type: ignore[no-untyped-def]
    from auditloop.moderation import services
    from tests.moderation.factories import cycle_of, set_framework

    set_framework()
    c, _ = cycle_of(2, number=number)
    return services.sample_draw(cycle=c, actor=None, seed=1, mode="meeting")


def test_a_finding_from_the_moderation_meeting_is_listed_there(client_for):
    sample = meeting_sample()
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    client = client_for(qa)
    url = reverse("moderation:meeting", args=[sample.pk])
    query = link_query(client.get(url).content.decode(), reverse("actions:finding_new"))
    assert query["source"] == "moderation" and query["from"] == f"moderation-sample:{sample.pk}"
    form = client.get(reverse("actions:finding_new"), query).context["form"]
    client.post(reverse("actions:finding_new"), {
        "form_token": form.initial["form_token"], "origin": query["from"], "source": "moderation",
        "source_label": query["label"], "text": "Auditors grade assessment more kindly",
        "tags": ["training_need"], "theme": ""})
    finding = Finding.objects.get()
    assert finding.source_key == f"moderation-sample:{sample.pk}"
    assert "Auditors grade assessment more kindly" in client.get(url).content.decode()


def test_a_programme_without_a_meeting_offers_it_on_its_own_page(client_for):
    c = cycle(kind=Cycle.Kind.THEMATIC, name="Thematic audit of neglect", number=None,
              meeting_on=None)
    make_plan(source_key=f"cycle:{c.pk}")
    page = client_for(PersonFactory(roles=[Role.QA_MANAGER])).get(
        reverse("programme:cycle_detail", args=[c.pk])).content.decode()
    assert link_query(page, reverse("actions:plan_new"))["source"] == "thematic_audit"
    assert "Action plans made from it" in page


def test_a_reader_who_cannot_make_plans_gets_no_links_and_a_bad_origin_is_ignored(client_for):
    c = cycle()
    lead = strategic_lead()
    client = client_for(lead)
    form = client.get(reverse("actions:plan_new"),
                      {"from": "https://example.org/?x=1", "source": "nonsense"}).context["form"]
    assert "origin" not in form.initial and "source" not in form.initial
    moderator = PersonFactory(roles=[Role.MODERATOR, Role.PRINCIPAL_SOCIAL_WORKER])
    sample = meeting_sample(number=7)
    page = client_for(moderator).get(reverse("moderation:meeting", args=[sample.pk]))
    assert page.status_code == 200
    assert reverse("actions:plan_new") not in page.content.decode()
    qa_page = client_for(PersonFactory(roles=[Role.SENIOR_LEADER]))
    assert qa_page.get(reverse("programme:meeting", args=[c.pk])).status_code == 403
