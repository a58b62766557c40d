"""002: "contact the family and the child or young person if appropriate" (family_contact):
the voices page lists contact with the family among what the framework expects only where
it is set."""

import pytest
from django.urls import reverse

from auditloop.standards.services import framework_settings_set
from tests.audits.test_voices import frozen, six_areas  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_voices_page_expects_family_contact_only_where_the_framework_does(six_areas,  # noqa: F811
                                                                              client_for):
    w = six_areas
    url = reverse("audits:voices", args=[w.audit.pk])
    assert "Contact with the family" in client_for(w.auditor).get(url).content.decode()
    framework_settings_set(values={"family_contact": False}, actor=None)
    assert "Contact with the family" not in client_for(w.auditor).get(url).content.decode()
