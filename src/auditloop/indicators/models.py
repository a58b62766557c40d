"""Indicators, their monthly values per scope, and the signals their SPC charts raise.

An `Indicator` is defined once: what it counts, in words, and the fields of the returns it
reads, so that a reader can check the number against the return. Computed indicators are
written by the registry (indicators.registry) from the functions registered there; entered
ones by the performance team's uploads. An `IndicatorValue` is one month's figure for one
scope (the whole council, a service or a locality): unique per indicator, month and scope,
so that importing a return again, or computing again, updates the month in place and the
series survives. A `Signal` is one run of months in which the SPC rules fire (or a target
is crossed), raised once and kept while it persists.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from auditloop.common.models import BaseModel
from auditloop.people.models import Locality, Service


class Indicator(BaseModel):
    class Kind(models.TextChoices):
        PROPORTION = "proportion", "Proportion (numerator of denominator)"
        RATE = "rate", "Rate"
        COUNT = "count", "Count"
        MEAN = "mean", "Mean"

    class Polarity(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"
        NEITHER = "neither", "Neither higher nor lower is better"

    class Source(models.TextChoices):
        COMPUTED = "computed", "Computed by auditloop"
        ENTERED = "entered", "Entered or imported by the performance team"

    key = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)
    definition = models.TextField(help_text="What is counted, written out.")
    source_fields = models.JSONField(
        default=list, blank=True,
        help_text="The fields of the returns (or of auditloop) the indicator reads.")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PROPORTION)
    polarity = models.CharField(max_length=8, choices=Polarity.choices,
                                default=Polarity.NEITHER)
    unit = models.CharField(max_length=40, blank=True,
                            help_text="For rates and means: 'per 10,000 children', 'days'.")
    target = models.FloatField(null=True, blank=True,
                               help_text="Proportions as a fraction: 0.2 for 20%.")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.COMPUTED)
    service = models.ForeignKey(Service, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="indicators")
    locality = models.ForeignKey(Locality, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="indicators")
    # The question a signal puts to an audit; {name}, {month} and {movement} are filled in
    # ("Re-referrals within 12 months rose above the upper limit in October: were
    # thresholds applied at the front door?").
    hypothesis = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_proportion(self) -> bool:
        return self.kind == self.Kind.PROPORTION


def _scope_constraints(prefix: str, fields: tuple[str, ...]) -> list[models.BaseConstraint]:
    """Unique per `fields` and scope, where an empty service or locality counts as a value
    (SQL treats two NULLs as different, so each combination gets its own constraint)."""
    out: list[models.BaseConstraint] = []
    for service in (True, False):
        for locality in (True, False):
            cond = Q(service__isnull=not service) & Q(locality__isnull=not locality)
            names = fields + (("service",) if service else ()) + (
                ("locality",) if locality else ())
            out.append(models.UniqueConstraint(
                fields=list(names), condition=cond,
                name=f"{prefix}_{'s' if service else 'ns'}_{'l' if locality else 'nl'}"))
    return out


class IndicatorValue(models.Model):
    """One month's figure of one indicator for one scope (service and locality both empty:
    the whole council)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period_start = models.DateField()
    period_end = models.DateField()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    locality = models.ForeignKey(Locality, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+")
    numerator = models.PositiveIntegerField(null=True, blank=True)
    denominator = models.PositiveIntegerField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    england_average = models.FloatField(null=True, blank=True)
    statistical_neighbours_average = models.FloatField(null=True, blank=True)
    target = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True,
                              help_text="Where the figure comes from, named.")
    # The cases counted in the numerator (ids, never names): the suggested selection of
    # the audit a signal proposes.
    case_ids = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["indicator", "period_start"]
        constraints = _scope_constraints("indicator_value_once",
                                         ("indicator", "period_start"))
        indexes = [models.Index(fields=["indicator", "service", "locality", "period_start"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period_start:%Y-%m}: {self.value}"


class Signal(BaseModel):
    """A run of months in which an indicator's SPC chart fires (or its target is crossed):
    raised once, at its first month, and kept (its `last_period` moving on) while it
    persists, so that a signal that lasts six months proposes one audit, not six."""

    class Rule(models.TextChoices):
        OUTSIDE_LIMITS = "outside_limits", "A point outside the process limits"
        SHIFT = "shift", "7 points in a row on one side of the centre"
        TREND = "trend", "7 points in a row each rising or each falling"
        TWO_OF_THREE = "two_of_three", "Two of three points close to a limit"
        TARGET = "target", "The target crossed"

    class Direction(models.TextChoices):
        UP = "up", "Rose"
        DOWN = "down", "Fell"

    class Meaning(models.TextChoices):
        CONCERN = "concern", "Concern"
        IMPROVEMENT = "improvement", "Improvement"
        NEUTRAL = "neutral", "Unusual"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="signals")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    locality = models.ForeignKey(Locality, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+")
    first_period = models.DateField(help_text="The first day of the month it was raised.")
    last_period = models.DateField(help_text="The latest month in which it persisted.")
    rule = models.CharField(max_length=16, choices=Rule.choices)
    direction = models.CharField(max_length=4, choices=Direction.choices)
    meaning = models.CharField(max_length=12, choices=Meaning.choices)
    chart = models.CharField(max_length=8, blank=True, help_text="xmr, p or laney.")
    value = models.FloatField(null=True, blank=True, help_text="At the first month.")
    limit = models.FloatField(null=True, blank=True,
                              help_text="The limit, centre or target it crossed.")
    # The themed audit it proposed (programme's proposal), once proposed.
    proposal_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-first_period", "indicator"]
        constraints = _scope_constraints("indicator_signal_once",
                                         ("indicator", "rule", "direction", "first_period"))

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.rule} {self.direction} from {self.first_period}"
