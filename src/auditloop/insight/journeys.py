"""004's two parts of the child's journey, by the kind of service that holds the case: the
one mapping every report uses (the journey report and an external audit's two final
reports). The two parts follow Ofsted's judgements: help and protection takes in early help
and the front door; children looked after take in care leavers, adoption and fostering."""

from __future__ import annotations

from auditloop.people.models import Service

K = Service.Kind

JOURNEYS: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("help-protection", "Children in need of help and protection",
     frozenset({K.EARLY_HELP, K.FRONT_DOOR, K.CIN, K.CP})),
    ("looked-after", "Children looked after and achieving permanence",
     frozenset({K.CLA, K.CARE_LEAVER, K.ADOPTION, K.FOSTERING})),
)
OTHER_JOURNEY = ("other", "Other cases")


def journey_of(service_kind: str) -> tuple[str, str]:
    """(key, title) of the journey a case in this kind of service is on."""
    for key, title, kinds in JOURNEYS:
        if service_kind in kinds:
            return key, title
    return OTHER_JOURNEY
