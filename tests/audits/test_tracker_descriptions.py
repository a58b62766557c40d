"""The tracker says what each action is, in its own words, beside its owner and due date
(not "Action 25"): cut to a line where it is long, with the whole text a click away. The
words are read with the action the tracker already loads, so its query count is unchanged."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.audits.models import Audit
from tests.audits.tracker_factories import audited_case, council, done, quick_action

pytestmark = pytest.mark.django_db
S = Audit.Status
NOW = dt.datetime(2026, 6, 20, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
TRACKER = reverse("audits:tracker")
ACTIONS = reverse("audits:tracker_actions")
LONG = ("Complete direct work with the child using the three houses tool and record their "
        "views, in their own words, on the file before the next review meeting with the family")
# The tracker's pinned count (tests/audits/test_tracker.py): the descriptions add nothing.
PINNED = 23


@pytest.fixture
def w():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        w = council(team_name="North team")
        w.audit = audited_case(w, reference="C-NORTH-1")
        w.short = quick_action(w.audit, owner=w.kw, due_on=TODAY - dt.timedelta(days=4),
                               action="Update the chronology")
        w.long = quick_action(w.audit, owner=w.kw, due_on=TODAY + dt.timedelta(days=9),
                              action=LONG)
        yield w


def page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def rows(text: str) -> list[str]:
    table = text.split('id="tracker-table"')[1].split("</table>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in table.split("<tbody")[1].split("</tr>")[:-1]]


@pytest.mark.parametrize("url", [TRACKER, ACTIONS])
def test_each_action_is_named_by_what_it_is_beside_its_owner_and_due_date(w, client_for, url):
    text = page(client_for(w.qa), url)
    assert "Action " + str(w.short.pk) not in text
    link = reverse("actions:action_detail", args=[w.short.pk])
    assert f'<a class="govuk-link" href="{link}">Update the chronology</a>' in text
    flat = " ".join(rows(text))
    assert "Update the chronology" in flat and w.kw.full_name in flat
    assert "16 June 2026" in flat and "29 June 2026" in flat


@pytest.mark.parametrize("url", [TRACKER, ACTIONS])
def test_a_long_action_is_cut_with_the_whole_text_a_click_away(w, client_for, url):
    text = page(client_for(w.qa), url)
    link = reverse("actions:action_detail", args=[w.long.pk])
    shown = text.split(f'href="{link}">')[1].split("</a>")[0]
    assert shown.endswith("…") and len(shown) <= 91 and LONG.startswith(shown[:-1].rstrip())
    assert "Read the whole action" in text
    assert f'<div class="govuk-details__text">{LONG}</div>' in text
    # A short one has nothing to unfold.
    assert text.count("Read the whole action") == 1


def test_the_descriptions_leave_the_trackers_query_count_unchanged(w, client_for):
    qa = client_for(w.qa)
    for n in range(6):
        quick_action(audited_case(w), owner=w.kw, due_on=TODAY - dt.timedelta(days=n),
                     action=f"{LONG} ({n})")
    done(w.short, w)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            page(qa, url)
        return len(ctx)

    with time_machine.travel(NOW, tick=False):
        for url in (TRACKER, ACTIONS, f"{ACTIONS}?status=done"):
            assert count(url) <= PINNED, url
        before = count(TRACKER)
        for n in range(6):
            quick_action(audited_case(w), owner=w.kw, due_on=TODAY, action=f"{LONG} [{n}]")
        assert count(TRACKER) == before
