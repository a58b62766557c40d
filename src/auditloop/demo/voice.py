"""The demo council's complaints and compliments (002): a dozen over the last year, made up
from a few stock phrases, on the register's themes and teams; two name a demo case. Nothing
is real. Idempotent: a council with entries already keeps them."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from auditloop.cases.models import Case, Theme
from auditloop.people.models import Team
from auditloop.voice import services
from auditloop.voice.models import ComplaintCompliment

K = ComplaintCompliment.Kind
S = ComplaintCompliment.Source
COMPLAINTS = (
    "Calls to the worker were not returned for over a week.",
    "The family were not sent the plan after the review.",
    "A visit was cancelled on the day without a reason.",
    "The child was not seen on their own at the last visit.",
)
COMPLIMENTS = (
    "The worker listened and explained each step of the plan.",
    "The family thanked the team for their support at a hard time.",
    "A partner agency praised how quickly the team shared information.",
)
D = ComplaintCompliment.Decision
OUTCOMES = (
    (D.PARTLY_UPHELD, "The team manager apologised and agreed contact times.",
     "Agree with each family how and when the worker will return calls."),
    (D.NOT_UPHELD, "The plan had been sent; a copy was sent again.",
     "Check the family has the plan at each review."),
)


@transaction.atomic
def build(rng: random.Random, today: dt.date, count: int = 12) -> int:
    if ComplaintCompliment.objects.exists():
        return 0
    themes = list(Theme.objects.order_by("name").values_list("name", flat=True)[:4])
    teams = list(Team.objects.select_related("service").order_by("name")[:6])
    cases = list(Case.objects.filter(status=Case.Status.OPEN).order_by("reference")[:2])
    for n in range(count):
        complaint = n % 3 != 2
        entry = services.complaint_compliment_record(
            actor=None, kind=K.COMPLAINT if complaint else K.COMPLIMENT,
            source=rng.choice([S.PARENT_OR_CARER, S.CHILD, S.PARTNER_AGENCY, S.STAFF]),
            received_on=today - dt.timedelta(days=rng.randint(1, 360)),
            summary=rng.choice(COMPLAINTS if complaint else COMPLIMENTS),
            theme=rng.choice(themes) if themes else "",
            team=rng.choice(teams) if teams else None,
            case=cases[n] if n < len(cases) else None)
        if n % 2 == 0:
            decision, outcome, learning = rng.choice(OUTCOMES) if complaint else (
                "", "The worker and their manager were told.", "")
            services.complaint_compliment_outcome(entry=entry, actor=None, outcome=outcome,
                                                  learning=learning, decision=decision)
    return count
