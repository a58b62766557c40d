"""A small YAML validator: reads composed nodes against a spec and reports file, line and field.

PyYAML's `compose` keeps every node's position, so each problem can point at the line a QA
manager has to change. Specs are tiny combinators (Text, Integer, OneOf, ListOf, Fields...);
checks that need several fields at once use `Reader.problem` with a path already read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from auditloop.common.errors import DomainError

INVALID: Any = object()  # a value that failed its spec; the problem is already recorded
_NULL_TAG = "tag:yaml.org,2002:null"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}, {self.field}: {self.message}"


class FileProblems(DomainError):
    """A YAML file broke its schema. `problems` lists every problem, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.field))
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in {self.problems[0].file}"
        super().__init__(f"{head}: " + "; ".join(str(p) for p in self.problems[:5]))


@dataclass
class Reader:
    file: str
    problems: list[Problem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)

    def problem(self, where: Node | int | str, path: str, message: str) -> Any:
        if isinstance(where, Node):
            line = where.start_mark.line + 1
        elif isinstance(where, str):
            line = self.lines.get(where, 1)
        else:
            line = where
        self.problems.append(Problem(self.file, line, path or "(the file)", message))
        return INVALID

    def seen(self, path: str, node: Node) -> None:
        self.lines.setdefault(path, node.start_mark.line + 1)

    def line_of(self, path: str) -> int:
        return self.lines.get(path, 1)


def is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and node.tag == _NULL_TAG)


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a set of fields"
    if isinstance(node, SequenceNode):
        return "a list"
    return f"“{node.value}”" if node.value else "empty"


class Spec:
    def read(self, node: Node, path: str, r: Reader) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        return "a value"


class Text(Spec):
    """Any text. Numbers and words like yes/no are kept as written ("003" stays "003")."""

    def __init__(self, *, max_length: int | None = None, pattern: re.Pattern[str] | None = None,
                 pattern_hint: str = "") -> None:
        self.max_length = max_length
        self.pattern = pattern
        self.pattern_hint = pattern_hint

    def describe(self) -> str:
        return self.pattern_hint or "text"

    def read(self, node: Node, path: str, r: Reader) -> Any:
        r.seen(path, node)
        if not isinstance(node, ScalarNode):
            return r.problem(node, path, f"should be {self.describe()}, not {_kind(node)}")
        value = str(node.value).strip()
        if not value:
            return r.problem(node, path, "is empty: write something or leave the field out")
        if self.max_length and len(value) > self.max_length:
            return r.problem(node, path, f"is {len(value)} characters long; the most is "
                                         f"{self.max_length}")
        if self.pattern and not self.pattern.match(value):
            return r.problem(node, path, f"“{value}” should be {self.describe()}")
        return value


def Key() -> Text:  # noqa: N802 - reads like the other spec names
    return Text(max_length=60, pattern=SLUG,
                pattern_hint="a short name in lower case letters, digits, - and _ "
                             "(for example child_voice)")


class Integer(Spec):
    def __init__(self, *, minimum: int | None = None, maximum: int | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"a whole number from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"a whole number of at least {self.minimum}"
        return "a whole number"

    def read(self, node: Node, path: str, r: Reader) -> Any:
        r.seen(path, node)
        if not isinstance(node, ScalarNode) or not re.fullmatch(r"-?\d+", str(node.value)):
            return r.problem(node, path, f"should be {self.describe()}, not {_kind(node)}")
        value = int(node.value)
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            return r.problem(node, path, f"should be {self.describe()}, not {value}")
        return value


class Percent(Spec):
    def describe(self) -> str:
        return "a percentage from 0 to 100, for example 33.33"

    def read(self, node: Node, path: str, r: Reader) -> Any:
        r.seen(path, node)
        try:
            value = Decimal(str(node.value).rstrip("%")) if isinstance(node, ScalarNode) else None
        except InvalidOperation:
            value = None
        if value is None or not (0 <= value <= 100) or value.as_tuple().exponent < -2:  # type: ignore[operator]
            return r.problem(node, path, f"should be {self.describe()}")
        return value


class Boolean(Spec):
    WORDS = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}

    def describe(self) -> str:
        return "yes or no"

    def read(self, node: Node, path: str, r: Reader) -> Any:
        r.seen(path, node)
        word = str(node.value).strip().lower() if isinstance(node, ScalarNode) else ""
        if word not in self.WORDS:
            return r.problem(node, path, f"should be yes or no, not {_kind(node)}")
        return self.WORDS[word]


class OneOf(Spec):
    """One word from a fixed list."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = list(values)

    def describe(self) -> str:
        return "one of " + ", ".join(self.values)

    def read(self, node: Node, path: str, r: Reader) -> Any:
        r.seen(path, node)
        value = str(node.value).strip() if isinstance(node, ScalarNode) else None
        if value not in self.values:
            shown = _kind(node)
            return r.problem(node, path, f"{shown} is not allowed here; use {self.describe()}")
        return value


class Check(Spec):
    """Another spec, then a test of the value: test returns a message, or None when fine."""

    def __init__(self, inner: Spec, test: Callable[[Any], str | None]) -> None:
        self.inner, self.test = inner, test

    def describe(self) -> str:
        return self.inner.describe()

    def read(self, node: Node, path: str, r: Reader) -> Any:
        value = self.inner.read(node, path, r)
        if value is INVALID:
            return value
        message = self.test(value)
        return r.problem(node, path, message) if message else value


class ListOf(Spec):
    def __init__(self, item: Spec, *, min_items: int = 0, unique: bool = False,
                 unique_by: str | None = None) -> None:
        self.item, self.min_items, self.unique, self.unique_by = item, min_items, unique, unique_by

    def describe(self) -> str:
        return f"a list of {self.item.describe()}"

    def read(self, node: Node, path: str, r: Reader) -> Any:
        r.seen(path, node)
        if isinstance(node, ScalarNode) and not is_null(node):
            # A single value where a list is expected: accept it as a list of one.
            node = SequenceNode("tag:yaml.org,2002:seq", [node], node.start_mark, node.end_mark)
        items = [] if is_null(node) else getattr(node, "value", None)
        if not isinstance(node, SequenceNode | ScalarNode) or items is None:
            return r.problem(node, path, f"should be a list (lines starting “- ”), not "
                                         f"{_kind(node)}")
        values: list[Any] = []
        seen: dict[Any, int] = {}
        ok = True
        for i, child in enumerate(items):
            label = _item_label(child, i, self.unique_by)
            value = self.item.read(child, f"{path}[{label}]", r)
            if value is INVALID:
                ok = False
                continue
            marker = value.get(self.unique_by) if self.unique_by and isinstance(value, dict) \
                else (value if self.unique else None)
            if marker is not None and not isinstance(marker, dict | list):
                if marker in seen:
                    r.problem(child, f"{path}[{label}]",
                              f"“{marker}” appears twice in this list (first on line "
                              f"{seen[marker]}); each must be different")
                    ok = False
                seen.setdefault(marker, child.start_mark.line + 1)
            values.append(value)
        if len(values) < self.min_items and ok:
            return r.problem(node, path, f"needs at least {self.min_items} "
                                         f"item{'s' if self.min_items != 1 else ''}")
        return values if ok else INVALID


def _item_label(node: Node, index: int, key_field: str | None) -> str:
    """Items are named by their key where they have one (sections[assessment]), else #n."""
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if k.value == (key_field or "key") and isinstance(v, ScalarNode) and v.value:
                return str(v.value)
    return f"#{index + 1}"


@dataclass
class F:
    """A field of a Fields spec."""

    spec: Spec
    required: bool = False
    default: Any = None


class Fields(Spec):
    """A set of named fields. Unknown names are refused, so a misspelt field is caught."""

    def __init__(self, fields: dict[str, F], *, name: str = "a set of fields") -> None:
        self.fields, self.name = fields, name

    def describe(self) -> str:
        return self.name

    def read(self, node: Node, path: str, r: Reader) -> Any:
        r.seen(path, node)
        if not isinstance(node, MappingNode):
            return r.problem(node, path, f"should be {self.name} (name: value lines), not "
                                         f"{_kind(node)}")
        given: dict[str, tuple[Node, Node]] = {}
        ok = True
        for k, v in node.value:
            name = str(k.value)
            where = f"{path}.{name}" if path else name
            if name in given:
                r.problem(k, where, f"is given twice (first on line "
                                    f"{given[name][0].start_mark.line + 1}); keep one")
                ok = False
            elif name not in self.fields:
                close = _closest(name, self.fields)
                r.problem(k, where, f"is not a field here{close}. Fields allowed: "
                                    f"{', '.join(self.fields)}")
                ok = False
            given.setdefault(name, (k, v))
        out: dict[str, Any] = {}
        for name, f in self.fields.items():
            where = f"{path}.{name}" if path else name
            if name not in given or is_null(given[name][1]):
                if f.required:
                    r.problem(node, where, "is missing: this field is required")
                    ok = False
                out[name] = f.default() if callable(f.default) else f.default
                continue
            value = f.spec.read(given[name][1], where, r)
            ok = ok and value is not INVALID
            out[name] = value
        return out if ok else INVALID


def _closest(name: str, options: Iterable[str]) -> str:
    import difflib

    match = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean “{match[0]}”?)" if match else ""


class MapOf(Spec):
    """Names chosen by the author (scale keys, events), each with a value of one spec."""

    def __init__(self, key: Spec, value: Spec, *, allowed: Iterable[str] | None = None) -> None:
        self.key, self.value = key, value
        self.allowed = list(allowed) if allowed is not None else None

    def describe(self) -> str:
        return "a set of named entries"

    def read(self, node: Node, path: str, r: Reader) -> Any:
        r.seen(path, node)
        if is_null(node):
            return {}
        if not isinstance(node, MappingNode):
            return r.problem(node, path, f"should be a set of named entries, not {_kind(node)}")
        out: dict[str, Any] = {}
        lines: dict[str, int] = {}
        ok = True
        for k, v in node.value:
            where = f"{path}.{k.value}" if path else str(k.value)
            name = self.key.read(k, where, r)
            if name is INVALID:
                ok = False
                continue
            if self.allowed is not None and name not in self.allowed:
                r.problem(k, where, f"“{name}” is not allowed here{_closest(name, self.allowed)};"
                                    f" use one of {', '.join(self.allowed)}")
                ok = False
                continue
            if name in out:
                r.problem(k, where, f"is given twice (first on line {lines[name]}); keep one")
                ok = False
                continue
            lines[name] = k.start_mark.line + 1
            value = self.value.read(v, where, r)
            ok = ok and value is not INVALID
            out[name] = value
        return out if ok else INVALID


class Either(Spec):
    """A plain value (usually a word) or a set of fields, told apart by the node's shape."""

    def __init__(self, scalar: Spec, mapping: Spec) -> None:
        self.scalar, self.mapping = scalar, mapping

    def describe(self) -> str:
        return f"{self.scalar.describe()}, or {self.mapping.describe()}"

    def read(self, node: Node, path: str, r: Reader) -> Any:
        if isinstance(node, MappingNode):
            return self.mapping.read(node, path, r)
        return self.scalar.read(node, path, r)


def compose(text: str, file: str) -> Node:
    """Parse YAML text into nodes; a syntax error becomes a Problem with its line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or "the file is not valid YAML"
        raise FileProblems([Problem(file, line, "(the file)",
                                    f"this is not valid YAML: {what}. Check the indentation "
                                    "and that text containing “: ” is in quotes")]) from exc
    except yaml.YAMLError as exc:
        raise FileProblems([Problem(file, 1, "(the file)", f"this is not valid YAML: {exc}")]) \
            from exc
    if node is None:
        raise FileProblems([Problem(file, 1, "(the file)", "the file is empty")])
    return node


def read_file(text: str, file: str, spec: Spec) -> tuple[Any, Reader]:
    """Read a whole file against a spec; raise FileProblems listing every problem found."""
    reader = Reader(file)
    value = spec.read(compose(text, file), "", reader)
    if reader.problems or value is INVALID:
        raise FileProblems(reader.problems or [Problem(file, 1, "(the file)", "is not valid")])
    return value, reader


def read_value(text: str, file: str, spec: Spec) -> Any:
    """Read one setting's value written as YAML (the settings page's text boxes)."""
    if not text.strip():
        text = "[]" if isinstance(spec, ListOf) else "{}"
    value, _ = read_file(text, file, spec)
    return value


def dump(value: Any) -> str:
    """Write a value as YAML a person can read and edit."""
    if value in ([], {}, None):
        return ""
    return yaml.dump(_plain(value), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=88)


class _Dumper(yaml.SafeDumper):
    """Block style, except a list of plain values sits on one line: how: [verbal, tray]."""

    def represent_list(self, data: Any) -> Any:  # type: ignore[override]
        flow = all(not isinstance(v, dict | list) for v in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _Dumper.represent_list)


def _plain(value: Any) -> Any:
    """Leave out empty and default-off fields, and write a recipient with nothing but `to`
    as its name alone, so the text shows only what was chosen."""
    if isinstance(value, dict):
        kept = {k: _plain(v) for k, v in value.items() if v not in ("", [], None, False)}
        return kept["to"] if list(kept) == ["to"] else kept
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    return value
