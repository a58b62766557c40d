"""The story the demo council's reports tell, and the invented words its audits carry.

Every figure here is "(demo)": a shape chosen so that the reports have something to show,
not a rule of any seed. The story, which README.md tells the user to look for:

- practice across the council improves slowly over the history (history.py);
- the neglect theme improves clearly after the action plan on the graded care profile
  (action_plans.py makes the plan THEME_PLAN_MONTHS_AGO months back): its monthly thematic
  audits are mostly not yet good before the plan and mostly good after it, enough for the
  p-chart of good or better to call it a signal of improvement;
- one team (the first Child in Need team) stays not yet good throughout;
- the Early Help service's own audits on 000's quality standards carry 000's impact score
  out of 10, which moves with the grade and varies month to month.

The family's and the worker's words are put together from short phrases, so that they vary
from audit to audit and never name anyone.
"""

from __future__ import annotations

import datetime as dt
import random

from auditloop.common.dates import add_months
from auditloop.demo.casework import THEMES
from auditloop.people.models import Service, Team

IMPROVING_THEME = THEMES[0]  # "Neglect"
THEME_PLAN_MONTHS_AGO = 10  # the neglect action plan (action_plans.PLANS) was made then
THEME_CASES_PER_MONTH = 5  # (demo) the monthly thematic audit of neglect cases
EARLY_HELP_CASES_PER_MONTH = 3  # (demo) the Early Help service's own audits (000's tool)
EARLY_HELP_TOOL = "000-eha-quality-standards"
STUCK_TEAM_PREFIX = "Child in Need"  # the first Child in Need team stays not yet good
STUCK_CASES_PER_MONTH = 2  # (demo) of the monthly sample, from the team that is stuck
# (demo) the share good or better of the neglect audits before and after the plan
THEME_GOOD_BEFORE = 0.15
THEME_GOOD_AFTER = 0.8


def theme_plan_on(today: dt.date) -> dt.date:
    """The day the neglect action plan was made."""
    return add_months(today, -THEME_PLAN_MONTHS_AGO)


def stuck_team() -> Team | None:
    """The team whose audits stay not yet good: the first Child in Need team by name
    ("Child in Need Ashby Vale" in the standard and large councils, "Child in Need" in the
    small one)."""
    return (Team.objects.filter(service__kind=Service.Kind.CIN,
                                name__startswith=STUCK_TEAM_PREFIX)
            .order_by("name").first())


def _level(levels: list[str], rank: int) -> str:
    return levels[max(0, min(len(levels) - 1, rank))]


def theme_grades(rng: random.Random, levels: list[str], n: int, after_plan: bool) -> list[str]:
    """A month's neglect grades: a set number good or better (the share, give or take one),
    the rest not yet good, in a random order. Levels are best first; good is the second."""
    share = THEME_GOOD_AFTER if after_plan else THEME_GOOD_BEFORE
    good = max(0, min(n, round(share * n) + rng.choice((-1, 0, 0, 1))))
    grades = [_level(levels, 0 if rng.random() < 0.15 else 1) for _ in range(good)]
    grades += [_level(levels, 2 if rng.random() < 0.8 else 3) for _ in range(n - good)]
    rng.shuffle(grades)
    return grades


def stuck_grade(rng: random.Random, levels: list[str]) -> str:
    """The stuck team's grade: requires improvement, or now and then inadequate."""
    return _level(levels, 2 if rng.random() < 0.7 else 3)


def impact_score(rng: random.Random, levels: list[str], grade: str) -> int:
    """000's impact of the work out of 10, in line with the grade (best first) with a
    spread, so that each month's mean moves."""
    rank = levels.index(grade) if grade in levels else len(levels) // 2
    low, high = {0: (8, 10), 1: (6, 8), 2: (3, 6)}.get(rank, (1, 3))
    return rng.randint(low, high)


# The family's feedback (002's family_feedback section) ---------------------------------

FAMILY_OPENINGS = (
    "The parent said", "The carer said", "The young person said", "Mum told the auditor",
    "Dad told the auditor", "The child said, with their carer's help,",
    "The grandparent who cares for the children said",
)
FAMILY_GOOD = (
    "the worker listened and explained what would happen next",
    "visits were on time and the plan made sense to them",
    "they felt the worker understood the children's routines",
    "the support with school attendance had made mornings calmer",
    "they knew who to call when things went wrong",
    "the worker came back when they said they would",
    "the family group conference helped them ask relatives for help",
)
FAMILY_MIXED = (
    "they had three different workers this year and had to repeat their story",
    "meetings were arranged at short notice and clashed with work",
    "they were not sure what the plan expected of them",
    "letters used words they did not understand",
    "the children did not know why a worker was visiting",
    "they waited weeks for the parenting course to start",
    "they felt judged at the first visit but things improved after",
)
FAMILY_SUPPORT = (
    "Help with housing repairs.", "A parenting course closer to home.",
    "Someone to talk to about the children's behaviour at bedtime.",
    "Support for an older sibling who is a young carer.",
    "Help to get the youngest child's health appointments on time.",
    "Plans written in plain words, with fewer acronyms.",
    "Meetings after school hours.",
)
FAMILY_DECLINED = (
    "The parent said they had spoken to enough professionals this month.",
    "The family is moving home and asked to be contacted another time.",
    "The carer said they would rather give feedback in writing later.",
    "The young person did not want to talk about the past six months.",
)
FAMILY_NOT_REACHED = (
    "Three calls and a letter were not answered.",
    "The phone number on file was out of use; a letter was sent.",
    "Two home visits found no one in; the worker passed on a message.",
)


def family_feedback(rng: random.Random, good: bool) -> dict[str, object]:
    """Answers for 002's family feedback questions, keyed by question: who was contacted,
    whether they engaged, and what they said (kinder where practice was good)."""
    engagement = rng.choices(["engaged", "declined", "not_reached"], [70, 12, 18])[0]
    contacted = [k for k in ("parent", "carer", "child", "other_family")
                 if rng.random() < {"parent": 0.8, "carer": 0.3, "child": 0.45,
                                    "other_family": 0.15}[k]] or ["parent"]
    answers: dict[str, object] = {
        "contacted": contacted, "engagement": engagement,
        "interpreter": rng.choices(["no", "not_applicable", "yes"], [60, 30, 10])[0],
    }
    if engagement == "declined":
        answers["declined_reason"] = rng.choice(FAMILY_DECLINED)
    if engagement == "engaged":
        first = rng.choice(FAMILY_GOOD if good or rng.random() < 0.3 else FAMILY_MIXED)
        second = rng.choice(FAMILY_MIXED if rng.random() < (0.3 if good else 0.7)
                            else FAMILY_GOOD)
        said = f"{rng.choice(FAMILY_OPENINGS)} {first}."
        if second != first:
            said += f" They also said {second}."
        answers["views"] = said
        if rng.random() < 0.6:
            answers["support_needed"] = rng.choice(FAMILY_SUPPORT)
    return answers


def family_contact_note(rng: random.Random, engagement: str) -> str:
    """Why a family could not give feedback, for the conversation record."""
    return rng.choice(FAMILY_DECLINED if engagement == "declined" else FAMILY_NOT_REACHED)


# The worker's feedback: replies to the audit and the Perspective of Worker form -----------

REPLY_AGREE = (
    "I agree with the findings. The audit picked up that the chronology had fallen behind; "
    "it is now up to date.",
    "Thank you for the learning conversation. I have started recording the child's words in "
    "my visit notes.",
    "The feedback is fair. Caseload pressure in the spring meant reviews slipped; they are "
    "booked now.",
    "I found the audit useful, particularly the point about sharing the plan with school.",
    "Agreed. My manager and I have added the actions to my supervision record.",
    "I was pleased the direct work was recognised. I will share the tools with the team.",
    "Fair findings. The assessment will be updated after the next core group.",
)
PERSPECTIVE = {
    "situation": (
        "The family had been referred twice before for similar worries about home conditions.",
        "The children were missing school and the parent was struggling after a bereavement.",
        "There were worries about arguments at home and the children hearing them.",
        "The young person had stopped going to college and was staying out overnight.",
    ),
    "work_done": (
        "Weekly visits, a family group conference and a referral to the parenting course.",
        "Direct work with each child, and joint visits with the health visitor.",
        "Safety planning with the parent and regular contact with the school.",
        "Support with benefits and housing, and time with the young person at the youth club.",
    ),
    "child_voice": (
        "Three houses work with the older child and play with the younger one.",
        "The young person wrote their own words into the plan.",
        "Drawings and a feelings chart at each visit, recorded in the child's words.",
        "Talking in the car on the way to appointments, when they were most relaxed.",
    ),
    "difference": (
        "School attendance is better and the home is calmer.",
        "The parent now asks for help earlier; there is still more to do.",
        "Less change than hoped: the plan needs refreshing.",
        "The children say they feel safer at home.",
    ),
    "challenges": (
        "Three changes of worker before me, so trust took time.",
        "Partners did not come to the meetings and information arrived late.",
        "Waiting lists for the services the family needed.",
        "The family moved twice during the work.",
    ),
    "support": (
        "Reflective supervision helped me step back.",
        "A co-worker for the joint visits would have helped.",
        "Time with the advanced practitioner on the assessment.",
    ),
    "anything_else": (
        "The family would welcome feedback from the audit too.",
        "The records from before my time are hard to follow.",
    ),
}


def worker_reply(rng: random.Random) -> str:
    return rng.choice(REPLY_AGREE)


def perspective_answers(rng: random.Random, keys: list[str]) -> dict[str, dict[str, str]]:
    """Answers for the Perspective of Worker form, keyed "section.question"; optional
    questions left empty now and then, as a busy practitioner would."""
    out = {}
    for key in keys:
        phrases = PERSPECTIVE.get(key.rsplit(".", 1)[-1])
        if phrases is None or (key.endswith(("support", "anything_else"))
                               and rng.random() < 0.5):
            continue
        out[key] = {"value": rng.choice(phrases), "comment": ""}
    return out
