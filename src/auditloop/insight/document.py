"""A report as a document: headed sections of figures, tables, charts, quotes and text.

Every report kind builds one `Document`; the page, the PDF, the Word document and the XLSX
are four layouts of the same document, so the four formats always agree. A document turns
into JSON and back without loss (`to_json` / `from_json`): a published report stores its
document, so later audits never change its figures, and any format can be made from it
again.

Every figure carries its count: a `Cell` holds the words shown ("62% (5 of 8; 95% interval
31% to 86%)") and the numbers behind them (k, n, the interval) for the spreadsheet. A cell
may name the audits behind it (`drill`, a few ids and keys, never personal data), which the
page links to for readers allowed to see them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditloop.common.statistics import (
    RULE_WORDS,
    Chart,
    Direction,
    Point,
    Proportion,
    Rule,
    Variation,
    percent,
)

Drill = Mapping[str, str]


@dataclass(frozen=True)
class Cell:
    """One figure or one label in a table: the words shown, and the numbers behind them."""

    text: str
    k: int | None = None  # the count (of audits, actions, ...)
    n: int | None = None  # out of how many, where it is a share
    value: float | None = None  # the share (k/n), a mean, ...
    low: float | None = None  # the 95% interval, for a share
    high: float | None = None
    drill: dict[str, str] | None = None  # the audits behind it, as filters

    @classmethod
    def label(cls, text: str) -> Cell:
        return cls(text=text)

    @classmethod
    def count(cls, k: int, drill: Drill | None = None, *, text: str | None = None) -> Cell:
        return cls(text=text if text is not None else str(k), k=k, value=float(k),
                   drill=dict(drill) if drill else None)

    @classmethod
    def share(cls, p: Proportion, drill: Drill | None = None) -> Cell:
        if not p.n:
            return cls(text="No audits", k=0, n=0)
        return cls(text=str(p), k=p.k, n=p.n, value=p.value, low=p.low, high=p.high,
                   drill=dict(drill) if drill else None)

    @classmethod
    def mean(cls, value: float | None, n: int, *, unit: str = "") -> Cell:
        if value is None or not n:
            return cls(text="None recorded", n=0)
        return cls(text=f"{value:.1f}{unit} (mean of {n})", n=n, value=value)


@dataclass(frozen=True)
class Figures:
    """Headline figures as a list of label and value."""

    rows: tuple[tuple[str, Cell], ...]
    ident: str = ""
    type: str = "figures"


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]  # each row's first cell is its heading
    ident: str = ""
    type: str = "table"


@dataclass(frozen=True)
class ChartBlock:
    """An SPC chart: drawn as SVG on the page and in the PDF, as a PNG in Word, and as its
    points in the spreadsheet, always with its text alternative and its data table."""

    key: str
    title: str
    chart: Chart
    as_percent: bool = False
    type: str = "chart"

    @property
    def value_heading(self) -> str:
        return "Share" if self.chart.kind in ("p", "laney") else "Value"

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """Each point as words: period, value, centre, limits, signal."""
        show = percent if self.as_percent else _one_place
        out = []
        for p in self.chart.points:
            value = show(p.value)
            if p.numerator is not None and p.denominator is not None:
                value += f" ({p.numerator} of {p.denominator})"
            limits = ("None yet" if p.upper is None or p.lower is None
                      else f"{show(p.lower)} to {show(p.upper)}")
            signal = "; ".join(RULE_WORDS[r] for r in p.rules) or "None"
            out.append((p.period, value, show(p.centre), limits, signal))
        return out


def _one_place(x: float | None) -> str:
    return "none" if x is None else f"{x:.1f}"


@dataclass(frozen=True)
class Text:
    text: str
    type: str = "text"


@dataclass(frozen=True)
class Quote:
    text: str
    source: str  # where it comes from: "Section 2, Child's lived experience (audit 41)"


@dataclass(frozen=True)
class Quotes:
    items: tuple[Quote, ...]
    type: str = "quotes"


Block = Figures | Table | ChartBlock | Text | Quotes


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...] = ()
    ident: str = ""


@dataclass(frozen=True)
class Document:
    title: str  # "Quarterly audit report"
    period: str  # "January to March 2026"
    area: str = "The whole council"
    sections: tuple[Section, ...] = ()
    framework: str = ""

    @property
    def heading(self) -> str:
        return f"{self.title}: {self.period}"

    def charts(self) -> Iterator[ChartBlock]:
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, ChartBlock):
                    yield b

    def tables(self) -> Iterator[tuple[Section, Table]]:
        for s in self.sections:
            for b in s.blocks:
                if isinstance(b, Table):
                    yield s, b

    def with_sections(self, before: Sequence[Section] = (),
                      after: Sequence[Section] = ()) -> Document:
        """The same document with sections put first or last (the narrative)."""
        return dataclasses.replace(self, sections=(*before, *self.sections, *after))

    def text(self) -> str:
        """Every word a reader sees, in order, for scanning published files for names."""
        parts = [self.heading, self.area]
        for s in self.sections:
            parts.append(s.heading)
            for b in s.blocks:
                parts.extend(_block_words(b))
        return "\n".join(parts)

    # ----------------------------------------------------------------------- JSON

    def to_json(self) -> str:
        return json.dumps(_plain(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | Mapping[str, Any]) -> Document:
        data = json.loads(text) if isinstance(text, str) else text
        return Document(
            title=data["title"], period=data["period"], area=data["area"],
            framework=data.get("framework", ""),
            sections=tuple(Section(heading=s["heading"], ident=s.get("ident", ""),
                                   blocks=tuple(_block(b) for b in s["blocks"]))
                           for s in data["sections"]))


def _block_words(b: Block) -> list[str]:
    if isinstance(b, Figures):
        return [f"{label}: {cell.text}" for label, cell in b.rows]
    if isinstance(b, Table):
        return [b.caption, " | ".join(b.header),
                *(" | ".join(c.text for c in row) for row in b.rows)]
    if isinstance(b, ChartBlock):
        return [b.title, *(" | ".join(r) for r in b.rows())]
    if isinstance(b, Text):
        return [b.text]
    return [f"{q.text} ({q.source})" for q in b.items]


def _plain(obj: Any) -> Any:
    if isinstance(obj, Chart):
        return {"kind": obj.kind, "direction": str(obj.direction),
                "points": [_plain(p) for p in obj.points]}
    if isinstance(obj, Point):
        out = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
        out["rules"] = [str(r) for r in obj.rules]
        out["variation"] = str(obj.variation)
        return out
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


def _cell(d: Mapping[str, Any]) -> Cell:
    return Cell(**d)


def _chart(d: Mapping[str, Any]) -> Chart:
    points = tuple(Point(**{**p, "rules": tuple(Rule(r) for r in p["rules"]),
                            "variation": Variation(p["variation"])}) for p in d["points"])
    return Chart(kind=d["kind"], direction=Direction(d["direction"]), points=points)


def _block(d: Mapping[str, Any]) -> Block:
    kind = d["type"]
    if kind == "figures":
        return Figures(rows=tuple((label, _cell(c)) for label, c in d["rows"]),
                       ident=d.get("ident", ""))
    if kind == "table":
        return Table(caption=d["caption"], header=tuple(d["header"]), ident=d.get("ident", ""),
                     rows=tuple(tuple(_cell(c) for c in row) for row in d["rows"]))
    if kind == "chart":
        return ChartBlock(key=d["key"], title=d["title"], as_percent=d["as_percent"],
                          chart=_chart(d["chart"]))
    if kind == "text":
        return Text(text=d["text"])
    if kind == "quotes":
        return Quotes(items=tuple(Quote(**q) for q in d["items"]))
    raise ValueError(f"A report block of an unknown type: {kind!r}")


__all__ = ["Block", "Cell", "ChartBlock", "Document", "Figures", "Quote", "Quotes", "Section",
           "Table", "Text"]
