"""No writes around the services: the operator pages (Django's admin) are read-only for every
auditloop model, even for a superuser, so that actions, plans, audits, cycles, moderation,
tools and settings change only through the services that check their rules and record them.
Sign-in accounts are the one exception (below)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from auditloop.people.models import User

pytestmark = pytest.mark.django_db

# Registered models the operator may change, and why no service rule is bypassed.
WRITABLE = {
    # Sign-in accounts: the operator sets up accounts, passwords and staff status here
    # (docs/operators-guide.md); the person's record and roles stay on the staff pages.
    "people.user": "sign-in accounts",
}
# These must be registered (read-only), so the walk below cannot pass by finding nothing.
MUST_BE_SHOWN = {
    "actions.action", "actions.actionplan", "actions.finding", "programme.cycle",
    "programme.cyclecase", "moderation.moderationreview", "moderation.sampledaudit",
    "standards.frameworksettings", "standards.toolversion", "people.person",
}


def auditloop_admins():
    return {model._meta.label_lower: model_admin
            for model, model_admin in admin.site._registry.items()
            if model.__module__.startswith("auditloop.")}


def test_the_operator_pages_cannot_add_change_or_delete_any_record_with_rules():
    request = RequestFactory().get("/operator/")
    request.user = User.objects.create_superuser("operator", "operator@example.org", "x" * 16)
    admins = auditloop_admins()
    assert set(admins) >= MUST_BE_SHOWN, MUST_BE_SHOWN - set(admins)
    writable = []
    for label, model_admin in sorted(admins.items()):
        if label in WRITABLE:
            continue
        instance = model_admin.model()
        allowed = [
            what for what, yes in (
                ("add", model_admin.has_add_permission(request)),
                ("change", model_admin.has_change_permission(request)),
                ("change one", model_admin.has_change_permission(request, instance)),
                ("delete", model_admin.has_delete_permission(request)),
                ("delete one", model_admin.has_delete_permission(request, instance)),
            ) if yes
        ]
        if allowed:
            writable.append(f"{label}: {', '.join(allowed)}")
    assert not writable, writable


def test_the_audits_have_no_operator_page_to_change_them():
    # Audits, answers and their history change only through the audit pages.
    assert not [label for label in auditloop_admins() if label.startswith("audits.")
                and label not in WRITABLE]


def test_sign_in_accounts_stay_managed_on_the_operator_pages():
    request = RequestFactory().get("/operator/")
    request.user = User.objects.create_superuser("operator", "operator@example.org", "x" * 16)
    model_admin = auditloop_admins()["people.user"]
    assert model_admin.has_add_permission(request) and model_admin.has_change_permission(request)
