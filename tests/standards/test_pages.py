"""The standards pages: who may open each, the wrong method, what they show, query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from markupsafe import escape

from auditloop.people.roles import Role
from auditloop.standards import services
from auditloop.standards.settings_spec import PAGES
from tests.factories import PersonFactory
from tests.standards.conftest import SMALL_TOOL
from tests.standards.world import standards_world

pytestmark = pytest.mark.django_db

READ = ["standards:tool_list", "standards:tool_detail", "standards:tool_version",
        "standards:tool_source"]
MANAGE = ["standards:tool_upload", "standards:tool_upload_review", "standards:framework",
          "standards:framework_history", "standards:setting_edit", "standards:preset_list",
          "standards:preset_apply"]
# Every signed-in page's own queries: session, user, the session's own row
# (people.UserSession), person, roles, and saving the session.
BASE = 8
GET_ONLY = ["standards:tool_list", "standards:tool_detail", "standards:tool_version",
            "standards:tool_source", "standards:framework", "standards:framework_history",
            "standards:preset_list"]


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    return standards_world()


def _url(name: str, world) -> str:  # type: ignore[no-untyped-def]
    return reverse(name, kwargs=world.get(name))


@pytest.mark.parametrize("name", READ)
def test_an_auditor_reads_the_tools(name, world, role_client):
    client, _ = role_client(Role.AUDITOR)
    assert client.get(_url(name, world)).status_code == 200


@pytest.mark.parametrize("name", READ)
def test_someone_with_no_role_cannot_read_the_tools(name, world, client_for):
    client = client_for(PersonFactory())
    assert client.get(_url(name, world)).status_code == 403


@pytest.mark.parametrize("name", MANAGE)
def test_the_head_of_qa_manages_the_framework(name, world, role_client):
    client, _ = role_client(Role.HEAD_OF_QA)
    assert client.get(_url(name, world)).status_code == 200


@pytest.mark.parametrize("name", [*MANAGE, "standards:tool_version_delete"])
@pytest.mark.parametrize("role", [Role.AUDITOR, Role.MODERATOR, Role.ASSISTANT_DIRECTOR])
def test_auditors_and_others_cannot_manage_the_framework(name, role, world, role_client):
    client, _ = role_client(role)
    method = client.post if name == "standards:tool_version_delete" else client.get
    assert method(_url(name, world)).status_code == 403
    if name in ("standards:tool_upload", "standards:tool_upload_review",
                "standards:setting_edit", "standards:preset_apply"):
        assert client.post(_url(name, world)).status_code == 403


@pytest.mark.parametrize("name", GET_ONLY)
def test_read_pages_refuse_post(name, world, qa_manager_client):
    assert qa_manager_client.post(_url(name, world)).status_code == 405


def test_delete_refuses_get(world, qa_manager_client):
    url = _url("standards:tool_version_delete", world)
    assert qa_manager_client.get(url).status_code == 405


@pytest.mark.parametrize("name", ["standards:tool_detail", "standards:tool_version",
                                  "standards:tool_source"])
def test_a_missing_tool_or_version_is_not_found(name, qa_manager_client):
    kwargs = {"key": "no-such-tool"}
    if name != "standards:tool_detail":
        kwargs["number"] = 3
    assert qa_manager_client.get(reverse(name, kwargs=kwargs)).status_code == 404


def test_a_confirmed_upload_cannot_be_confirmed_again(world, qa_manager_client):
    url = _url("standards:tool_upload_review", world)
    qa_manager_client.post(url, {"action": "confirm"})
    response = qa_manager_client.post(url, {"action": "confirm"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "standards:tool_list")


def test_every_role_sees_audit_tools_in_the_navigation(role_client):
    framework = f'href="{reverse("standards:framework")}"'
    client, _ = role_client(Role.PRACTITIONER)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("standards:tool_list")}"' in body and framework not in body
    manager, _ = role_client(Role.QA_MANAGER)
    # The QA manager's navigation groups it with the other setting-up pages.
    assert framework in manager.get(reverse("work_group", args=["setup"])).content.decode()


def test_the_tool_page_shows_every_question_with_its_guidance_and_grade_definitions(
    role_client,
):
    services.preset_apply(key="003-caf-tiered")
    client, _ = role_client(Role.AUDITOR)
    response = client.get(reverse("standards:tool_detail", args=["003-tier-2-caf-toolkit"]))
    body = response.content.decode()
    definition = response.context["d"]
    for s in definition["sections"]:
        for q in s["questions"]:
            assert f'id="q-{s["key"]}--{q["key"]}"' in body
    assert "Use the CoNR model in conjunction with the assessment to assess thresholds." in body
    assert "Unresolved loss of grief" in body
    # Each grade's definition is beside the grade, as a hint to its radio button.
    assert 'id="assessment--information_gathering-inadequate-hint"' in body
    assert "insufficiently planned, poor quality assessments" in body
    assert "This section applies only when: The case stepped down from children" in body
    assert "Once for each child in the family" in body
    # Draft wording is the QA team's to review: the auditor reads the tool without the note.
    assert "Not from the seed" not in body
    assert "Comments for a (required)" in body
    manager, _ = role_client(Role.QA_MANAGER)
    assert "Not from the seed: review before use" in manager.get(
        reverse("standards:tool_detail", args=["003-tier-2-caf-toolkit"])).content.decode()


def test_the_tool_page_shows_an_older_version_as_it_was(role_client):
    services.tool_version_create(text=SMALL_TOOL, filename="small.yaml")
    services.tool_version_create(text=SMALL_TOOL.replace("SMART?", "SMART now?"),
                                 filename="small.yaml")
    client, _ = role_client(Role.MODERATOR)
    old = client.get(reverse("standards:tool_version", args=["small-tool", 1])).content.decode()
    new = client.get(reverse("standards:tool_detail", args=["small-tool"])).content.decode()
    assert "Is the plan SMART?" in old and "SMART now?" not in old
    assert "SMART now?" in new


def test_the_tool_list_page_has_no_query_per_tool(role_client, django_assert_max_num_queries):
    for key in ("001-early-help-domains", "003-caf-tiered", "004-focus-areas"):
        services.preset_apply(key=key)
    client, _ = role_client(Role.AUDITOR)
    with django_assert_max_num_queries(BASE + 2):
        response = client.get(reverse("standards:tool_list"))
    assert response.content.decode().count("govuk-table__row") == 6  # heading and 5 tools


def test_the_tool_page_has_no_query_per_version(role_client, django_assert_max_num_queries):
    client, auditor = role_client(Role.AUDITOR)
    for n in range(6):
        services.tool_version_create(text=SMALL_TOOL.replace("SMART?", f"SMART {n}?"),
                                     filename="small.yaml", actor=auditor.user)
    # One more than the versions: the version before this one, for "What changed".
    with django_assert_max_num_queries(BASE + 3):
        response = client.get(reverse("standards:tool_detail", args=["small-tool"]))
    assert response.status_code == 200


def test_the_settings_page_has_no_query_per_change(qa_manager_client,
                                                   django_assert_max_num_queries):
    for key in ("000", "001", "002", "003", "004"):
        services.preset_apply(key=key)
    # The changes to come, the settings, the recent history: on the overview and each page;
    # the names of the tools in use where they are shown (the overview and "The audit").
    with django_assert_max_num_queries(BASE + 4):
        response = qa_manager_client.get(reverse("standards:framework"))
    assert response.status_code == 200 and len(response.context["history"]) == 5
    for page in PAGES:
        with django_assert_max_num_queries(BASE + (4 if page.key == "the-audit" else 3)):
            response = qa_manager_client.get(reverse("standards:framework_page",
                                                     args=[page.key]))
        assert response.status_code == 200
    with django_assert_max_num_queries(BASE + 3):
        assert qa_manager_client.get(reverse("standards:framework_history")).status_code == 200


@pytest.mark.parametrize(("name", "kwargs", "most"), [
    ("standards:preset_list", {}, BASE + 1),
    # The settings, then each of the preset's two tools and its latest version (kept at 13
    # when BASE took in the session's own row).
    ("standards:preset_apply", {"key": "003-caf-tiered"}, BASE + 5),
    ("standards:setting_edit", {"name": "re_audit_grades"}, BASE + 2),
    ("standards:setting_edit", {"name": "notification_rules"}, BASE + 1),
])
def test_framework_pages_query_counts(name, kwargs, most, qa_manager_client,
                                      django_assert_max_num_queries):
    services.preset_apply(key="002")
    with django_assert_max_num_queries(most):
        assert qa_manager_client.get(reverse(name, kwargs=kwargs)).status_code == 200


def test_the_upload_review_page_query_count(world, qa_manager_client,
                                            django_assert_max_num_queries):
    with django_assert_max_num_queries(BASE + 2):
        response = qa_manager_client.get(_url("standards:tool_upload_review", world))
    assert "Changed" in response.content.decode()


@pytest.mark.parametrize("key", ["000-eha-quality-standards", "001-early-help-case-audit",
                                 "001-perspective-of-worker", "002-six-key-areas",
                                 "003-tier-2-caf-toolkit", "003-tier-1-quality-control",
                                 "004-focus-areas"])
def test_every_shipped_tool_page_shows_every_question_and_guidance(key, shipped, role_client):
    for preset in ("000", "001", "002", "003", "004"):
        services.preset_apply(key=preset)
    client, _ = role_client(Role.PRACTITIONER)
    body = client.get(reverse("standards:tool_detail", args=[key])).content.decode()
    definition = shipped[key]
    for s in definition["sections"]:
        assert f'id="section-{s["key"]}"' in body
        for q in s["questions"]:
            assert f'id="q-{s["key"]}--{q["key"]}"' in body
            assert str(escape(q["text"])) in body
            for line in q["guidance"].split("\n"):
                assert str(escape(line.strip())) in body, (s["key"], q["key"])
    for scale in definition["scales"].values():
        for level in scale["levels"]:
            if level["definition"]:
                assert str(escape(level["definition"])) in body


def test_a_narrative_only_scale_asks_for_words_not_a_grade(role_client):
    narrative = SMALL_TOOL.replace("  scale: four\n", "  scale: narrative_only\n")
    services.tool_version_create(text=narrative, filename="narrative.yaml")
    client, _ = role_client(Role.AUDITOR)
    body = client.get(reverse("standards:tool_detail", args=["small-tool"])).content.decode()
    assert "Grade for First section: narrative judgement" in body
    assert "No grades: the auditor writes a narrative judgement." in body
    assert 'type="radio" value="good"' not in body


def test_the_tool_pages_name_each_seed_by_its_documents_title(shipped, role_client):
    from auditloop.standards.seeds import SEED_TITLES

    for preset in ("000", "001", "002", "003", "004"):
        services.preset_apply(key=preset)
    client, _ = role_client(Role.AUDITOR)
    listing = client.get(reverse("standards:tool_list")).content.decode()
    page = client.get(reverse("standards:tool_detail", args=["003-tier-2-caf-toolkit"]))
    detail = page.content.decode()
    for body in (listing, detail):
        assert "seed 00" not in body.lower()
    assert str(escape(SEED_TITLES["003"])) in detail
    for number in ("000", "001", "002", "003", "004"):
        assert str(escape(SEED_TITLES[number])) in listing
