"""Values a preset chooses that its seed does not give: each is marked in the preset's YAML
under `our_choices` and shown beside the value on the Framework settings page, for as long as
the setting keeps the value the preset gave it. Values that bring in another seed's rule are
not in the presets at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from auditloop.common.errors import DomainError
from auditloop.standards import presets, selectors, services

pytestmark = pytest.mark.django_db
NO_NUMBER = "our default: the seed gives no number"

MINIMAL = """
format: 1
key: test-preset
seed: "999"
name: A test preset
settings:
  cycles_per_year: 12
  sample_size_min: 5
our_choices:
  {mark}
"""


def rows_by_name() -> dict[str, selectors.SettingRow]:
    row = selectors.framework_settings_row()
    return {r.name: r for _, rows in selectors.settings_groups(row) for r in rows}


def test_every_mark_names_a_value_its_preset_gives_and_says_whose_choice_it_is():
    for preset in presets.shipped_presets():
        for name, why in preset.our_choices.items():
            assert preset.values_it_sets(name), (preset.key, name)
            assert why.startswith(("our default: ", "our choice: ")), (preset.key, name)


@pytest.mark.parametrize(("key", "name"), [
    ("001-early-help-domains", "overdue_action_escalation"),
    ("002-six-key-areas", "overdue_action_escalation"),
    ("002-six-key-areas", "audit_list_days_before_cycle"),
])
def test_numbers_the_seed_does_not_give_are_marked(key, name):
    assert presets.get_preset(key).our_choices[name].startswith(NO_NUMBER)


def test_a_mark_for_a_value_the_preset_does_not_give_is_refused():
    with pytest.raises(DomainError, match="does not set sample_size_max"):
        presets.read_preset(MINIMAL.format(mark='sample_size_max: "our default: none"'),
                            "test-preset.yaml")


def test_a_mark_that_does_not_say_whose_choice_it_is_is_refused():
    with pytest.raises(DomainError, match="our default"):
        presets.read_preset(MINIMAL.format(mark='sample_size_min: "five is plenty"'),
                            "test-preset.yaml")
    preset = presets.read_preset(MINIMAL.format(mark=f'sample_size_min: "{NO_NUMBER}"'),
                                 "test-preset.yaml")
    assert preset.our_choice("sample_size_min", 5) == NO_NUMBER
    assert preset.our_choice("sample_size_min", 6) == ""


@pytest.mark.parametrize("key", ["003-caf-tiered", "004-focus-areas"])
def test_003_and_004_bring_in_no_alert_or_re_audit_on_a_grade(key):
    # 001's alert on an inadequate grade is not in these seeds.
    services.preset_apply(key=key)
    row = selectors.framework_settings_row()
    assert row.escalation_grades == [] and row.re_audit_grades == []


def test_the_settings_page_shows_the_mark_beside_the_value(qa_manager_client):
    services.preset_apply(key="001-early-help-domains")
    text = qa_manager_client.get(
        reverse("standards:framework_page", args=["actions"])).content.decode()
    assert ("(our default: the seed gives no number (senior management hears the day after "
            "an action&#39;s due date))") in text
    rows = rows_by_name()
    assert rows["overdue_action_escalation"].our_choice.startswith(NO_NUMBER)
    # A seed's own value carries no mark.
    assert rows["re_audit_grades"].our_choice == ""


def test_the_mark_goes_once_the_council_changes_the_value():
    services.preset_apply(key="002-six-key-areas")
    assert rows_by_name()["audit_list_days_before_cycle"].our_choice.startswith(NO_NUMBER)
    services.framework_setting_change(setting="audit_list_days_before_cycle", value=5,
                                      actor=None)
    assert rows_by_name()["audit_list_days_before_cycle"].our_choice == ""


def test_no_preset_applied_no_marks():
    assert not any(r.our_choice for r in rows_by_name().values())


def test_defaults_no_seed_gives_are_marked_under_every_preset():
    # 004 asks for mentoring of auditors but gives no threshold; no seed gives the window
    # or the floor for agreement figures.
    services.preset_apply(key="004-focus-areas")
    rows = rows_by_name()
    for name in ("agreement_window_months", "agreement_min_audits",
                 "mentoring_threshold_percent"):
        assert rows[name].our_choice.startswith(NO_NUMBER), name
    services.framework_setting_change(setting="agreement_min_audits", value=5, actor=None)
    assert rows_by_name()["agreement_min_audits"].our_choice == ""
