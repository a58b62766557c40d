"""The accessibility statement page: open to all, linked from every page, and naming the
council's contact when one is set."""

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anyone_may_read_it_without_signing_in(client):
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Accessibility statement for Quality assurance and impact" in text
    assert "tell your QA manager or the council's IT service desk" in text


@override_settings(ACCESSIBILITY_CONTACT="access@northmoor.example")
def test_it_names_the_councils_contact_when_set(client):
    text = client.get(reverse("accessibility")).content.decode()
    assert 'href="mailto:access@northmoor.example"' in text


def test_every_page_links_to_it(client, qa_manager_client):
    link = f'href="{reverse("accessibility")}"'
    assert link in client.get(reverse("account_login")).content.decode()
    assert link in qa_manager_client.get(reverse("home")).content.decode()


def test_it_says_pdfs_are_tagged_and_what_is_not_yet_checked(client):
    text = client.get(reverse("accessibility")).content.decode()
    assert "is not tagged" not in text and "has no tags" not in text
    assert "tagged to the PDF/UA-1 standard" in text
    # Honest about what is still open: the PDFs are not yet checked by a PDF/UA checker.
    assert "partially compliant" in text
    assert "not yet checked these PDFs" in text
