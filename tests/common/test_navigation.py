"""The service navigation by role: few pages flat, many pages one link per job, each job with
a landing page that lists its pages and says what each is for."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from auditloop.common import navigation
from auditloop.common.navigation import (
    FOLLOW_UP,
    GROUPS,
    MONTH,
    MY_WORK,
    REGISTER,
    REPORTS,
    SETUP,
    NavEntry,
    items_for,
)
from auditloop.people.roles import ROLE_CAPABILITIES, Role


class Someone:
    """A signed-in person with the capabilities of their roles, and no database."""

    is_authenticated = True

    def __init__(self, *roles: Role) -> None:
        self.capabilities = frozenset().union(*(ROLE_CAPABILITIES[r] for r in roles))

    def has_capability(self, capability: str) -> bool:
        return capability in self.capabilities


def texts(items: list[dict[str, Any]]) -> list[str]:
    return [item["text"] for item in items]


def landing(group: navigation.NavGroup) -> str:
    return reverse("work_group", kwargs={"group": group.slug})


def test_every_entry_says_what_it_is_for():
    assert navigation.registered()
    for entry in navigation.registered():
        assert entry.description, f"{entry.text} needs a description for its landing page"
        assert len(entry.description) <= 120, f"{entry.text}'s description is not one line"


def test_every_job_and_the_personal_entries_have_their_pages():
    by_group = {g: {e.url_name for e in navigation.registered() if e.group == g} for g in GROUPS}
    assert {"audits:audit_list", "programme:cycle_list", "moderation:my_reviews",
            "audits:disagreement_list"} <= by_group[MONTH]
    assert {"audits:tracker", "actions:plan_list", "audits:supervision",
            "programme:loop_index"} <= by_group[FOLLOW_UP]
    assert {"cases:case_list", "cases:import_list", "people:staff_list",
            "people:structure"} <= by_group[REGISTER]
    assert {"standards:tool_list", "standards:framework", "standards:preset_list"} \
        <= by_group[SETUP]
    assert {"insight:report_list", "voice:complaint_list"} <= by_group[REPORTS]
    assert {"actions:my_actions", "notifications:tray"} <= by_group[MY_WORK]
    home = [e for e in navigation.registered() if e.url_name == "home"]
    assert [e.group for e in home] == [None]


def test_personal_lists_of_audits_are_my_work_when_registered():
    # Registered by the audits app without a group of their own: they are personal.
    for entry in navigation.registered():
        if entry.url_name in ("audits:my_case_audits", "audits:team_audits"):
            assert entry.group == MY_WORK


def test_the_qa_manager_sees_one_link_per_job_on_one_row():
    items = items_for(Someone(Role.QA_MANAGER), "/")
    assert texts(items) == ["Home", "My work", "Running the month", "Following up",
                            "The register", "Setting up", "Reports"]
    assert items[2]["href"] == "/work/month/" and items[3]["href"] == "/work/follow-up/"
    assert items[4]["href"] == "/work/register/" and items[5]["href"] == "/work/setup/"
    # Reports holds the monthly report and the complaints and compliments log: a landing page.
    assert items[6]["href"] == "/work/reports/"
    assert navigation.fits_one_row([NavEntry(i["text"], "home", ()) for i in items])


# Not the senior leader: reports, the complaints and compliments log, closing the loop and
# action plans take more than one row, so their pages are grouped by job.
@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AUDITOR, Role.MODERATOR, Role.IRO,
                                  Role.INFORMATION_GOVERNANCE_LEAD])
def test_a_person_with_few_pages_sees_them_all_and_no_landing_page(role):
    person = Someone(role)
    items = items_for(person, "/")
    assert texts(items) == [e.text for e in navigation.entries_for(person)]
    assert not any(item["href"].startswith("/work/") for item in items)


def test_the_practitioner_sees_their_own_pages():
    shown = texts(items_for(Someone(Role.PRACTITIONER), "/"))
    assert shown[0] == "Home" and {"Actions", "Tray"} <= set(shown)
    assert not {"Reports", "Tracker", "Imports", "Framework"} & set(shown)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_role_reaches_every_page_it_may_use_from_the_navigation(role):
    """Each entry is a link in the navigation or on a landing page the navigation links to."""
    person = Someone(role)
    items = items_for(person, "/")
    assert navigation.fits_one_row([NavEntry(i["text"], "home", ()) for i in items]), role
    reachable = {i["href"] for i in items}
    for item in items:
        if item["href"].startswith("/work/"):
            group = navigation.group_for_slug(item["href"].split("/")[2])
            members = navigation.group_entries(person, group)
            assert len(members) > 1
            reachable |= {reverse(e.url_name) for e in members}
    assert reachable >= {reverse(e.url_name) for e in navigation.entries_for(person)}


def test_the_job_of_the_page_is_marked_and_its_landing_page_is_the_current_page():
    qa = Someone(Role.QA_MANAGER)
    on_tracker = {i["text"]: i for i in items_for(qa, reverse("audits:tracker") + "?kind=x")}
    assert on_tracker["Following up"]["active"] and not on_tracker["Following up"]["current"]
    # The tracker (/audits/tracker/) is not taken for the audits (/audits/).
    assert not on_tracker["Running the month"]["active"]
    assert not on_tracker["Home"]["active"] and not on_tracker["Home"]["current"]
    on_landing = {i["text"]: i for i in items_for(qa, landing(MONTH))}
    assert on_landing["Running the month"]["current"]
    assert [i for i in on_landing.values() if i["active"] or i["current"]] \
        == [on_landing["Running the month"]]
    on_home = {i["text"]: i for i in items_for(qa, "/")}
    assert on_home["Home"]["current"]


def test_a_flat_navigation_marks_the_page_and_the_pages_within_it():
    practitioner = Someone(Role.PRACTITIONER)
    on_actions = {i["text"]: i for i in items_for(practitioner, reverse("actions:my_actions"))}
    assert on_actions["Actions"]["current"]
    within = {i["text"]: i for i in items_for(practitioner, "/actions/123/")}
    assert within["Actions"]["active"] and not within["Actions"]["current"]


def test_signed_out_visitors_have_no_navigation():
    class Visitor:
        is_authenticated = False

    assert items_for(Visitor(), "/") == []


# The landing pages ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_landing_page_lists_the_jobs_pages_the_person_may_use_with_what_each_is_for(
        role_client):
    client, _ = role_client(Role.QA_MANAGER)
    body = client.get(landing(REGISTER)).content.decode()
    main = body.split('id="main-content"')[1]
    assert "<h1 class=\"govuk-heading-l\">The register</h1>" in main
    for entry in navigation.group_entries(Someone(Role.QA_MANAGER), REGISTER):
        assert f'href="{reverse(entry.url_name)}"' in main
        assert entry.description.replace("'", "&#39;") in main
    assert re.search(r'aria-current="page"[^>]*>\s*<strong[^>]*>The register<', body)


@pytest.mark.django_db
def test_a_landing_page_shows_only_what_the_person_may_use(role_client):
    client, _ = role_client(Role.SERVICE_MANAGER)
    main = client.get(landing(REGISTER)).content.decode().split('id="main-content"')[1]
    assert f'href="{reverse("people:staff_list")}"' in main
    assert f'href="{reverse("cases:import_list")}"' not in main
    assert f'href="{reverse("people:structure")}"' not in main


@pytest.mark.django_db
def test_a_job_the_person_has_no_page_in_is_refused_and_an_unknown_job_is_not_found(
        role_client):
    client, _ = role_client(Role.PRACTITIONER)
    assert client.get(landing(SETUP)).status_code == 200  # everyone reads the audit tools
    assert client.get(landing(MONTH)).status_code == 403
    assert client.get(landing(FOLLOW_UP)).status_code == 403
    assert client.get(reverse("work_group", kwargs={"group": "nothing"})).status_code == 404
    assert client.post(landing(SETUP)).status_code == 405


@pytest.mark.django_db
def test_a_landing_page_takes_a_fixed_number_of_queries(role_client,
                                                        django_assert_max_num_queries):
    client, _ = role_client(Role.QA_MANAGER)
    client.get(landing(MONTH))
    # Only what every page reads: the session, the user and their session row, the person
    # and their roles, then the session's save (three). The entries are in memory.
    with django_assert_max_num_queries(8):
        assert client.get(landing(MONTH)).status_code == 200
