"""The framework settings on short pages: each setting on exactly one page, seeds named by
their documents' titles, error messages in the council's words, and pages short enough to
read."""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from auditloop.standards import services
from auditloop.standards.models import Tool
from auditloop.standards.seeds import SEED_TITLES, cite
from auditloop.standards.settings_spec import PAGES, PAGES_BY_KEY, SETTINGS

pytestmark = pytest.mark.django_db

# Django's own validation messages: none may reach a QA manager.
DJANGO_DEFAULTS = ("Ensure this value", "Enter a whole number.", "This field is required.",
                   "Select a valid choice", "Enter a number.", "Enter a list of values.",
                   "Ensure that there are no more than")
MOST_VISIBLE_TEXT = 8000  # characters on one settings page


def _body(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _visible(page: str) -> str:
    """The text a reader sees in the page's main part."""
    main = page[page.index("<main"):page.index("</main>")]
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    text = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', " ", text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _page_urls() -> list[str]:
    return [reverse("standards:framework_page", args=[p.key]) for p in PAGES]


def _labels_shown(page: str) -> list[str]:
    keys = re.findall(r'<dt class="govuk-summary-list__key">(.*?)(?:<strong|<p|</dt>)', page,
                      flags=re.S)
    return [html.unescape(k).strip() for k in keys]


def test_every_setting_is_on_one_of_the_pages():
    assert {s.page for s in SETTINGS.values()} == set(PAGES_BY_KEY)
    for page in PAGES:
        assert all(SETTINGS[name].page == page.key for name in page.key_settings), page.key


def test_each_setting_appears_on_exactly_one_settings_page(qa_manager_client):
    services.preset_apply(key="002")
    shown: Counter[str] = Counter()
    for url in _page_urls():
        shown.update(_labels_shown(_body(qa_manager_client, url)))
    labels = Counter(s.label for s in SETTINGS.values())
    assert all(n == 1 for n in labels.values()), "two settings share a label"
    assert shown == labels


def test_the_overview_lists_every_page_with_its_key_values(qa_manager_client):
    services.preset_apply(key="002")
    page = _body(qa_manager_client, reverse("standards:framework"))
    text = _visible(page)
    for p in PAGES:
        assert f'href="{reverse("standards:framework_page", args=[p.key])}"' in page
        assert p.title in text and p.description in text
    assert "Share of each cycle's audits moderated (%) 33.33" in text
    # The tools in use by their names, not their keys.
    assert f"Tools in use {Tool.objects.get(key='002-six-key-areas').name}" in text


def _every_page(client: Client) -> dict[str, str]:
    urls = [reverse("standards:framework"), reverse("standards:framework_history"),
            reverse("standards:preset_list"), reverse("standards:scheduled_change_new"),
            *_page_urls(),
            *(reverse("standards:preset_apply", args=[key])
              for key in ("000-eha-signs-of-wellbeing", "003-caf-tiered")),
            *(reverse("standards:setting_edit", args=[name]) for name in SETTINGS),
            *(reverse("standards:scheduled_change_new") + f"?setting={name}"
              for name in ("audit_notice_days", "auditor_roles"))]
    return {url: _body(client, url) for url in urls}


def test_seeds_are_named_by_their_titles_never_by_number(qa_manager_client):
    # 002's preset schedules changes whose reasons cite the seed ("Seed 002: ...").
    services.preset_apply(key="002")
    pages = _every_page(qa_manager_client)
    for url, page in pages.items():
        text = _visible(page)
        assert "Seed 00" not in text and "seed 00" not in text, url
        # A preset's key (002-six-key-areas) is how the command line names it.
        number = re.search(r".{0,40}\b00[0-4]\b(?!-).{0,40}", text)
        assert number is None, (url, number)
    moderation = _visible(pages[reverse("standards:framework_page", args=["moderation"])])
    assert f"{SEED_TITLES['002']}: a third (33.33)." in moderation
    assert SEED_TITLES["002"] in _visible(pages[reverse("standards:framework")])  # scheduled
    assert SEED_TITLES["000"] in _visible(pages[reverse("standards:preset_list")])


def test_citing_a_seed():
    assert cite("001: pairs. 003: single auditors.") == (
        f"{SEED_TITLES['001']}: pairs. {SEED_TITLES['003']}: single auditors.")
    assert cite("001.") == f"From {SEED_TITLES['001']}."
    assert cite("Seed 002: a week's notice") == f"{SEED_TITLES['002']}: a week's notice"
    assert cite("a third (33.33). 12 cycles in 2023.") == "a third (33.33). 12 cycles in 2023."


def test_no_settings_page_is_too_long_to_read(qa_manager_client):
    for key in ("000", "001", "002", "003", "004"):
        services.preset_apply(key=key)  # the history and the values at their fullest
    sizes = {url: len(_visible(_body(qa_manager_client, url)))
             for url in [reverse("standards:framework"), *_page_urls()]}
    assert all(size < MOST_VISIBLE_TEXT for size in sizes.values()), sizes


# Bad values for each kind of setting, and the words the council uses for them.
BAD: dict[str, list[Any]] = {
    "number": ["", "abc", "-1", "1000", "2.5"],
    "percent": ["", "abc", "-1", "150", "33.333", "100000"],
    "bool": ["", "maybe"],
    "choice": ["", "wizard"],
    "role": ["wizard"],
    "recipient": ["wizard"],
    "roles": [["wizard"]],
    "services": [["wizard"]],
    "tools": [["wizard"]],
    "grades": [["wizard"]],
    "text": ["x" * 201],
    "longtext": ["x" * 2001],
    "yaml": ["- [unclosed", "42"],
    "themes": [],
}


def _errors(page: str) -> list[str]:
    found = re.findall(r'<p id="[^"]*-error" class="govuk-error-message">(.*?)</p>', page,
                       flags=re.S)
    found += re.findall(r'<div id="value-error" class="govuk-error-message">(.*?)</div>',
                        page, flags=re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", e)).split()).removeprefix("Error: ")
            for e in found]


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_a_bad_value_is_refused_in_the_councils_words(name, qa_manager_client):
    setting = SETTINGS[name]
    url = reverse("standards:setting_edit", args=[name])
    for bad in BAD[setting.editor]:
        page = qa_manager_client.post(url, {"value": bad, "reason": "r" * 501}).content.decode()
        text = _visible(page)
        assert "There is a problem" in text, (name, bad)
        assert not any(d in text for d in DJANGO_DEFAULTS), (name, bad, _errors(page))
        assert "The reason must be 500 characters or fewer" in text
        if setting.editor == "themes":
            continue
        assert _errors(page), (name, bad)
    if setting.editor == "themes":
        page = qa_manager_client.post(url, {"theme_1": "x" * 201}).content.decode()
        assert "The theme for cycle 1 must be 200 characters or fewer" in _visible(page)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("moderation_share_percent", "150", "Enter a share between 0 and 100"),
    ("moderation_share_percent", "a third", "Enter a share as a number, like 33.33"),
    ("moderation_share_percent", "33.333",
     "Enter a share with no more than 2 decimal places, like 33.33"),
    ("action_deadline_days", "1000", "Enter a number of days between 0 and 999"),
    ("action_deadline_days", "forty", "Enter a number of days as a whole number, like 6"),
    ("cycles_per_year", "", "Enter a number of cycles between 0 and 999"),
    ("period_under_review_months", "-1", "Enter a number of months between 0 and 999"),
    ("mentoring_threshold_percent", "", "Enter a percentage between 0 and 100"),
    ("pairs_formed_at_random", "", "Select yes or no"),
    ("disagreement_settled_by", "", "Select who settles a disagreement"),
    ("auditor_roles", ["wizard"], "Select the roles that audit from the list"),
    ("immediate_concern_sign_off_role", "wizard",
     "Select who signs off immediate-concern actions"),
    ("case_note_title", "x" * 201, "Case note title must be 200 characters or fewer"),
])
def test_the_councils_words_for_each_kind_of_setting(name, value, message, qa_manager_client):
    page = qa_manager_client.post(reverse("standards:setting_edit", args=[name]),
                                  {"value": value}).content.decode()
    assert message in _errors(page)
    # Scheduling the change checks it the same way.
    later = qa_manager_client.post(
        reverse("standards:scheduled_change_new") + f"?setting={name}",
        {"value": value, "effective_on": "2099-12-01"}).content.decode()
    assert message in _errors(later)


def test_a_change_goes_back_to_its_page(qa_manager_client):
    url = reverse("standards:setting_edit", args=["moderation_share_percent"])
    edit = _body(qa_manager_client, url)
    back = reverse("standards:framework_page", args=["moderation"])
    link = f'<a class="govuk-back-link" href="{back}">Back to the settings for moderation</a>'
    assert link in edit
    response = qa_manager_client.post(url, {"value": "25"})
    assert response.status_code == 302 and response["Location"] == back
    assert "25.00" in _visible(_body(qa_manager_client, back))
    # The page's history lists the change, and so does the history of that page alone.
    history = _visible(_body(qa_manager_client,
                             reverse("standards:framework_history") + "?group=moderation"))
    assert "Changes to Moderation" in history and "Share of each cycle" in history
    other = _visible(_body(qa_manager_client,
                           reverse("standards:framework_history") + "?group=reports"))
    assert "Share of each cycle" not in other


def test_an_unknown_page_is_not_found(qa_manager_client):
    assert qa_manager_client.get(
        reverse("standards:framework_page", args=["no-such-page"])).status_code == 404
