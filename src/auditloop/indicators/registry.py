"""The registry of computed indicators: each is a function of a month and a scope, registered
with its definition written out and the source fields it reads.

    from auditloop.indicators.registry import Kind, Measure, Polarity, Scope, register

    @register(key="re_referrals_12_months", name="Re-referrals within 12 months",
              definition="Referrals in the month that followed another referral of the "
                         "same child within 12 months, of all referrals in the month.",
              source_fields=["CIN census: CINreferralDate", "Annex A List 3: Date of "
                             "referral"],
              kind=Kind.PROPORTION, polarity=Polarity.LOWER,
              hypothesis="{name} {movement} in {month}: were thresholds applied at the "
                         "front door?")
    def re_referrals(period_start, period_end, scope):
        ...
        return Measure(numerator=3, denominator=20, cases=[case.pk, ...])  # those re-referred

`compute(period, scope)` runs every registered function for one month and one scope and
stores the figures as `IndicatorValue` rows, updating the month in place when it is computed
again. A function returns None when it has nothing to count from (no return imported for
the month), and nothing is stored.

The modules that register are listed in `MODULES`; they are imported the first time the
registry is read, so registering never depends on import order elsewhere.
"""

from __future__ import annotations

import calendar
import contextvars
import datetime as dt
import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from auditloop.common.dates import add_months
from auditloop.indicators.models import Indicator, IndicatorValue

Kind = Indicator.Kind
Polarity = Indicator.Polarity

# Modules whose import registers indicators. `returns` holds those computed from the
# statutory returns (CIN census, SSDA903, Annex A); `own` those counted from auditloop.
MODULES = ("auditloop.indicators.own", "auditloop.indicators.returns")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month: the indicators' unit of time."""

    start: dt.date
    end: dt.date

    @classmethod
    def month(cls, day: dt.date) -> Period:
        first = day.replace(day=1)
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        return cls(first, last)

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2026-10' or '2026-10-14' (any day of the month)."""
        text = text.strip()
        try:
            day = (dt.date.fromisoformat(text) if len(text) > 7
                   else dt.date.fromisoformat(text + "-01"))
        except ValueError:
            raise ValueError(f"{text!r} is not a month: use YYYY-MM.") from None
        return cls.month(day)

    def shift(self, months: int) -> Period:
        return Period.month(add_months(self.start, months))

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        return f"{self.start:%B %Y}"

    def __str__(self) -> str:
        return self.label


def months(first: Period, last: Period) -> list[Period]:
    """Every month from `first` to `last`, both included."""
    out, p = [], first
    while p <= last:
        out.append(p)
        p = p.shift(1)
    return out


@dataclass(frozen=True)
class Scope:
    """Whose figures: the whole council (both empty), a service, a locality, or both."""

    service_id: int | None = None
    locality_id: int | None = None

    @property
    def is_council(self) -> bool:
        return self.service_id is None and self.locality_id is None

    def cases(self, queryset: QuerySet[Any], path: str = "") -> QuerySet[Any]:
        """Narrow a queryset to the scope: `path` leads to the case ("case__" from an
        audit, "audit__case__" from an action)."""
        if self.service_id is not None:
            queryset = queryset.filter(**{f"{path}service_id": self.service_id})
        if self.locality_id is not None:
            queryset = queryset.filter(**{f"{path}locality_id": self.locality_id})
        return queryset

    def fields(self) -> dict[str, int | None]:
        return {"service_id": self.service_id, "locality_id": self.locality_id}

    def values(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """Rows of a model with `service` and `locality` (values, signals) in this scope."""
        return queryset.filter(service_id=self.service_id, locality_id=self.locality_id)


COUNCIL = Scope()


@dataclass(frozen=True)
class Measure:
    """A month's figure: a proportion gives numerator and denominator (the value follows);
    a rate, count or mean gives its value (and may give the counts behind it). `cases` are
    the ids of the cases a signal of the indicator points at, an audit's suggested
    selection: those counted in the numerator where more is worse (the children
    re-referred), those left out of it where more is better (the audits below good)."""

    numerator: int | None = None
    denominator: int | None = None
    value: float | None = None
    cases: Sequence[int] = ()

    def resolved(self) -> float | None:
        if self.value is not None:
            return float(self.value)
        if self.numerator is not None and self.denominator:
            return self.numerator / self.denominator
        if self.numerator is not None and self.denominator is None:
            return float(self.numerator)
        return None


MeasureFunction = Callable[[dt.date, dt.date, Scope], Measure | None]


@dataclass(frozen=True)
class Definition:
    key: str
    name: str
    definition: str
    source_fields: tuple[str, ...]
    kind: str
    polarity: str
    function: MeasureFunction
    unit: str = ""
    hypothesis: str = ""
    source: str = ""  # the named source stored with each value
    preset_filters: tuple[str, ...] = field(default=())


_REGISTRY: dict[str, Definition] = {}
_loaded = False


def register(*, key: str, name: str, definition: str, source_fields: Iterable[str],
             kind: str, polarity: str, unit: str = "", hypothesis: str = "",
             source: str = "", preset_filters: Iterable[str] = (),
             ) -> Callable[[MeasureFunction], MeasureFunction]:
    """Register a computed indicator. `kind` is a `Kind` (proportion, rate, count, mean);
    `polarity` a `Polarity` (higher or lower is better, or neither). `hypothesis` is the
    question a signal puts to an audit, with {name}, {month} and {movement} filled in.
    `preset_filters` are the framework's indicator filters (preset 004's six) this
    indicator drives. Registering a key twice replaces the first (a module reloaded)."""
    if kind not in Kind.values:
        raise ValueError(f"{key}: kind must be one of {', '.join(Kind.values)}, not {kind!r}")
    if polarity not in Polarity.values:
        raise ValueError(f"{key}: polarity must be one of {', '.join(Polarity.values)}, "
                         f"not {polarity!r}")
    if not definition.strip():
        raise ValueError(f"{key}: write the definition out")

    def decorate(function: MeasureFunction) -> MeasureFunction:
        _REGISTRY[key] = Definition(
            key=key, name=name, definition=" ".join(definition.split()),
            source_fields=tuple(source_fields), kind=str(kind), polarity=str(polarity),
            function=function, unit=unit, hypothesis=hypothesis, source=source,
            preset_filters=tuple(preset_filters))
        return function

    return decorate


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for module in MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # a module that is there but fails to import: say so
                raise
    _loaded = True


def registered() -> list[Definition]:
    """Every registered indicator, by key."""
    _load()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def definition(key: str) -> Definition:
    _load()
    return _REGISTRY[key]


def unregister(key: str) -> None:
    """For tests that register an indicator of their own."""
    _REGISTRY.pop(key, None)


def sync_indicators(definitions: Iterable[Definition] | None = None) -> dict[str, Indicator]:
    """The `Indicator` row of each registered indicator, created or brought up to date with
    its registration (name, definition, fields, kind, polarity). The target, the service and
    the hypothesis the performance team may have changed are left alone once set."""
    defs = list(definitions) if definitions is not None else registered()
    out: dict[str, Indicator] = {}
    existing = {i.key: i for i in Indicator.objects.filter(key__in=[d.key for d in defs])}
    for d in defs:
        row = existing.get(d.key)
        fields = {"name": d.name, "definition": d.definition,
                  "source_fields": list(d.source_fields), "kind": d.kind,
                  "polarity": d.polarity, "unit": d.unit,
                  "source": Indicator.Source.COMPUTED}
        if row is None:
            row = Indicator.objects.create(key=d.key, hypothesis=d.hypothesis, **fields)
        elif any(getattr(row, k) != v for k, v in fields.items()) or (
                d.hypothesis and not row.hypothesis):
            for k, v in fields.items():
                setattr(row, k, v)
            row.hypothesis = row.hypothesis or d.hypothesis
            row.save()
        out[d.key] = row
    return out


# Facts several indicators of one month read (the drift rules' plan facts, fetched for the
# whole council and narrowed to each scope), kept for the length of one `compute` or
# `compute_all` call; outside them each call starts empty.
_MEMO: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "indicator_memo", default=None)


def memo() -> dict[Any, Any]:
    """A dict shared by the indicator functions of the `compute` or `compute_all` call
    running now (one month: one scope, or every scope in turn), so facts several of them
    read are fetched once; a fresh dict when an indicator is called on its own. Keys name
    the month they are for."""
    found = _MEMO.get()
    return found if found is not None else {}


class _Memo:
    """Opens the memo for a `compute` or `compute_all` call, or joins the one open."""

    def __enter__(self) -> None:
        self.token = _MEMO.set({}) if _MEMO.get() is None else None

    def __exit__(self, *exc: object) -> None:
        if self.token is not None:
            _MEMO.reset(self.token)


def _as_period(period: Period | dt.date | str) -> Period:
    if isinstance(period, Period):
        return period
    if isinstance(period, str):
        return Period.parse(period)
    return Period.month(period)


@transaction.atomic
def compute(period: Period | dt.date | str, scope: Scope | None = None, *,
            keys: Iterable[str] | None = None,
            now: dt.datetime | None = None) -> list[IndicatorValue]:
    """Compute every registered indicator (or those named in `keys`) for one month and one
    scope (None: the whole council) and store the figures, updating a month already
    stored. Returns the values written."""
    month = _as_period(period)
    scope = scope or COUNCIL
    now = now or timezone.now()
    wanted = set(keys) if keys is not None else None
    definitions = [d for d in registered() if wanted is None or d.key in wanted]
    if wanted is not None and (unknown := wanted - {d.key for d in definitions}):
        raise KeyError(f"No indicator registered as {', '.join(sorted(unknown))}")
    rows = sync_indicators(definitions)
    stored = {v.indicator_id: v for v in scope.values(IndicatorValue.objects.filter(
        indicator__in=rows.values(), period_start=month.start))}
    written = []
    with _Memo():
        measures = [(d, d.function(month.start, month.end, scope)) for d in definitions]
    for d, measure in measures:
        if measure is None:
            continue
        indicator = rows[d.key]
        figures = {
            "period_end": month.end, "numerator": measure.numerator,
            "denominator": measure.denominator, "value": measure.resolved(),
            "case_ids": sorted(set(measure.cases)), "computed_at": now,
            "source": d.source or "Computed by auditloop",
        }
        value = stored.get(indicator.pk)
        if value is None:
            value = IndicatorValue.objects.create(
                indicator=indicator, period_start=month.start, **scope.fields(), **figures)
        else:
            for k, v in figures.items():
                setattr(value, k, v)
            value.save(update_fields=list(figures))
        written.append(value)
    return written


def scopes() -> list[Scope]:
    """The scopes computed each month: the whole council, each service, each locality."""
    from auditloop.people.models import Locality, Service

    return ([COUNCIL] + [Scope(service_id=pk) for pk in
                         Service.objects.order_by("pk").values_list("pk", flat=True)]
            + [Scope(locality_id=pk) for pk in
               Locality.objects.order_by("pk").values_list("pk", flat=True)])


def compute_all(period: Period | dt.date | str, *, keys: Iterable[str] | None = None,
                now: dt.datetime | None = None) -> list[IndicatorValue]:
    """Every scope of `scopes()` for one month."""
    out: list[IndicatorValue] = []
    with _Memo():
        for scope in scopes():
            out.extend(compute(period, scope, keys=keys, now=now))
    return out
