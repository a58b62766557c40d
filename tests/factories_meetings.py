"""Factories for the multi-agency contribution to conferences and reviews (practice.meetings)."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from auditloop.practice.meetings import MultiAgencyMeeting
from tests.factories import CaseFactory, PersonFactory


class MultiAgencyMeetingFactory(DjangoModelFactory):
    class Meta:
        model = MultiAgencyMeeting

    case = factory.SubFactory(CaseFactory)
    kind = MultiAgencyMeeting.Kind.CP_REVIEW
    held_on = dt.date(2026, 3, 10)
    chaired_by = factory.SubFactory(PersonFactory)
    invited = factory.LazyFunction(lambda: ["police"])
    attended = factory.LazyFunction(list)
    sent_report = factory.LazyFunction(list)
