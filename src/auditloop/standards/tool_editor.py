"""Changing a tool in the browser: edits made to the tool file's own data, written back as YAML.

The file is read as nodes (yamlcheck's way, so "003" stays "003" and yes stays yes), changed
as plain lists and dicts, and written out again in the layout of the shipped files, with the
file's opening comments kept. The result is an ordinary tool file: it goes through the same
checks (schema.parse_tool) and the same diff as a file a QA manager uploads.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from auditloop.common.errors import DomainError
from auditloop.standards import diff, schema
from auditloop.standards.yamlcheck import SLUG, FileProblems, Problem, compose

# The name a browser-made version carries where an upload carries its file's name.
BROWSER_FILENAME = "Changed in the browser"
_NULL_TAG = "tag:yaml.org,2002:null"
_FOLD_AT = 70  # longer text is written folded over several lines, as the shipped files are


class Scalar(str):
    """A value as the file wrote it, remembering its style (plain, quoted, folded...)."""

    style: str | None = None


def read(source: str) -> tuple[str, dict[str, Any]]:
    """The file's opening comment lines and its data as lists, dicts and strings."""
    header = []
    for line in source.splitlines():
        if not line.startswith("#") and line.strip():
            break
        header.append(line)
    data = _plain(compose(source, "tool.yaml"))
    if not isinstance(data, dict):
        raise DomainError("This tool's file is not a set of fields: upload a corrected file.")
    return "\n".join(header).strip(), data


def _plain(node: Any) -> Any:
    if isinstance(node, MappingNode):
        return {str(k.value): _plain(v) for k, v in node.value}
    if isinstance(node, SequenceNode):
        return [_plain(v) for v in node.value]
    if node.tag == _NULL_TAG:
        return None
    value = Scalar(node.value)
    value.style = node.style
    return value


class _Dumper(yaml.SafeDumper):
    """Lists indented under their field, as in the shipped files."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _scalar(dumper: _Dumper, data: Scalar) -> Any:
    if not data.style:
        # Written plain, read back as the same text: the checks read the text, not a type.
        tag = dumper.resolve(ScalarNode, str(data), (True, False))
        return dumper.represent_scalar(tag, str(data))
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(data), style=data.style)


def _text(dumper: _Dumper, data: str) -> Any:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    if len(data) > _FOLD_AT:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=">")
    return dumper.represent_str(data)


def _none(dumper: _Dumper, data: None) -> Any:
    return dumper.represent_scalar(_NULL_TAG, "")


_Dumper.add_representer(Scalar, _scalar)
_Dumper.add_representer(str, _text)
_Dumper.add_representer(type(None), _none)


def write(header: str, data: dict[str, Any]) -> str:
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=84,
                     indent=2)
    return f"{header}\n\n{body}" if header else body


def normalised(source: str) -> str:
    """The file as the editor writes it: the base its changed lines are compared with."""
    return write(*read(source))


def check(source: str, filename: str = BROWSER_FILENAME) -> dict[str, Any]:
    """The same checks as an uploaded file; raises FileProblems."""
    return schema.parse_tool(source, filename)


# Finding things in the file's data --------------------------------------------------------

def section(data: dict[str, Any], key: str) -> dict[str, Any]:
    for s in data.get("sections") or []:
        if s.get("key") == key:
            return s  # type: ignore[no-any-return]
    raise DomainError("That section is no longer in the tool: it may have been removed in "
                      "another tab.")


def question(data: dict[str, Any], section_key: str, key: str) -> dict[str, Any]:
    for q in section(data, section_key).get("questions") or []:
        if q.get("key") == key:
            return q  # type: ignore[no-any-return]
    raise DomainError("That question is no longer in the tool: it may have been removed in "
                      "another tab.")


def new_key(text: str, taken: set[str]) -> str:
    """A short key for a new question, from its words, different from the others."""
    words = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    base = "_".join(words.split("_")[:4])[:40].strip("_") or "question"
    if not SLUG.match(base):
        base = f"q_{base}"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def word(value: Any) -> Scalar:
    """A short value (a number, yes) written plain, as a person writes it in the file."""
    out = Scalar(str(value))
    out.style = None
    return out


def _set(target: dict[str, Any], name: str, value: Any) -> None:
    """Set a field, or leave it out when empty (so the file shows only what was chosen).
    A value the form sends back unchanged keeps the way the file wrote it."""
    if value in (None, "", []):
        target.pop(name, None)
    elif target.get(name) != value:
        target[name] = value


# The edits ------------------------------------------------------------------------------

# Fields that belong to one kind of answer: dropped when the answer changes to another kind.
_ANSWER_FIELDS = {"scale": {"grade"}, "options": {"yes_no"},
                  "choices": {"choice", "multiple_choice"}, "definitions": {"rag"},
                  "min": {"number"}, "max": {"number"}, "unit": {"number"}}


def question_fields(q: dict[str, Any], fields: dict[str, Any]) -> None:
    """Write a question's wording, guidance, numbering and answer from the form."""
    for name in ("ref", "text", "guidance"):
        if name in fields:
            _set(q, name, fields[name])
    answer = fields.get("answer")
    if answer:
        if q.get("answer") != answer:
            for name, answers in _ANSWER_FIELDS.items():
                if answer not in answers:
                    q.pop(name, None)
        q["answer"] = answer
        if answer == "grade" and "scale" in fields:
            _set(q, "scale", fields["scale"])
        if answer in ("choice", "multiple_choice") and "choices" in fields:
            _set(q, "choices", fields["choices"])
        if answer == "number":
            for name in ("min", "max"):
                if name in fields:
                    _set(q, name, None if fields[name] is None else word(fields[name]))


def question_add(data: dict[str, Any], section_key: str, fields: dict[str, Any]) -> str:
    s = section(data, section_key)
    questions = s.setdefault("questions", [])
    key = new_key(fields.get("text") or "", {q.get("key") for q in questions})
    q: dict[str, Any] = {"key": key}
    question_fields(q, fields)
    questions.append(q)
    return key


def question_remove(data: dict[str, Any], section_key: str, key: str) -> None:
    s = section(data, section_key)
    question(data, section_key, key)
    s["questions"] = [q for q in s["questions"] if q.get("key") != key]


def question_move(data: dict[str, Any], section_key: str, key: str, direction: str) -> None:
    questions = section(data, section_key)["questions"]
    i = questions.index(question(data, section_key, key))
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(questions):
        raise DomainError("That question is already at the "
                          f"{'top' if direction == 'up' else 'bottom'} of its section.")
    questions[i], questions[j] = questions[j], questions[i]


def section_fields(data: dict[str, Any], section_key: str, fields: dict[str, Any]) -> None:
    s = section(data, section_key)
    for name in ("ref", "title", "guidance"):
        if name in fields:
            _set(s, name, fields[name])
    if "scale" in fields:
        _set(s, "scale", fields["scale"])


def available_scales(source: str) -> dict[str, dict[str, Any]]:
    """Scales the tool may grade on: its own (as its file defines them), then the library's."""
    _, data = read(source)
    out: dict[str, dict[str, Any]] = {}
    for key, scale in (data.get("scales") or {}).items():
        if isinstance(scale, dict):
            out[key] = {"name": scale.get("name") or key,
                        "narrative_only": str(scale.get("narrative_only") or "").lower()
                        in ("yes", "true", "on"),
                        "levels": [{"label": lv.get("label", "")}
                                   for lv in scale.get("levels") or [] if isinstance(lv, dict)]}
    for key, scale in schema.library_scales().items():
        out.setdefault(key, scale)
    return out


def main_scale(definition: dict[str, Any]) -> str | None:
    """The scale most of the tool grades on: its default, else the overall grade's."""
    d = definition.get("defaults") or {}
    overall = definition.get("overall") or {}
    graded = [s["scale"] for s in definition["sections"] if s.get("graded") and s.get("scale")]
    return d.get("scale") or overall.get("scale") or (graded[0] if graded else None)


def tool_scale_change(data: dict[str, Any], old: str | None, new: str) -> None:
    """Grade the whole tool on another scale: every place that named the old one, and the
    default."""
    data.setdefault("defaults", {})
    if data["defaults"] is None:
        data["defaults"] = {}
    data["defaults"]["scale"] = new
    places = [*(data.get("sections") or [])]
    for s in data.get("sections") or []:
        places.extend(s.get("questions") or [])
    if data.get("overall"):
        places.append(data["overall"])
    for place in places:
        if old and place.get("scale") == old:
            place["scale"] = new


def scale_levels_change(data: dict[str, Any], key: str, definition: dict[str, Any],
                        levels: list[dict[str, str]], name: str) -> None:
    """New labels and definitions for a scale's grades. A library scale the tool only named is
    copied into the tool first, as the library's own note says to do."""
    scales = data.get("scales")
    if not isinstance(scales, dict):
        scales = data["scales"] = {}
    if key not in scales:
        scales[key] = _scale_copy(definition["scales"][key])
    scale = scales[key]
    _set(scale, "name", name)
    by_key = {lv["key"]: lv for lv in scale.get("levels") or []}
    for change in levels:
        level = by_key.get(change["key"])
        if level is None:
            raise DomainError("The grades of this scale changed since the page was opened: "
                              "check them and make your change again.")
        _set(level, "label", change["label"])
        if (level.get("definition") or "") != change["definition"]:
            _set(level, "definition", change["definition"])
            if "definition_source" in schema.LEVEL.fields:
                # Written by the council, not taken from a seed; none when taken away.
                _set(level, "definition_source", "draft" if change["definition"] else None)


def _scale_copy(scale: dict[str, Any]) -> dict[str, Any]:
    """A checked scale written back as file data, leaving out fields at their defaults."""
    out: dict[str, Any] = {"name": scale["name"]}
    if scale.get("narrative_only"):
        out["narrative_only"] = word("yes")
    if scale.get("origin") and scale["origin"] != "seed":
        out["origin"] = scale["origin"]
    if scale.get("note"):
        out["note"] = scale["note"]
    levels = []
    for lv in scale.get("levels") or []:
        level: dict[str, Any] = {}
        for k, v in lv.items():
            if v in ("", None, False):
                continue
            level[k] = word("yes") if v is True else v
        levels.append(level)
    if levels:
        out["levels"] = levels
    return out


# Problems in the council's words ----------------------------------------------------------

_STEP = re.compile(r"(\w+)\[([^\]]+)\]")


def where(path: str, definition: dict[str, Any] | None) -> str:
    """A problem's field path (sections[first].questions[a].text) in words."""
    sections = {s["key"]: s for s in (definition or {}).get("sections", [])}
    words: list[str] = []
    current: dict[str, Any] | None = None
    for part in path.split("."):
        m = _STEP.fullmatch(part)
        if m and m.group(1) == "sections":
            current = sections.get(m.group(2))
            words.append(f"section “{current['title'] if current else m.group(2)}”")
        elif m and m.group(1) == "questions":
            found: dict[str, Any] = next((q for q in (current or {}).get("questions", [])
                                          if q["key"] == m.group(2)), {})
            words.append(f"question {found['ref']}" if found.get("ref") else
                         f"question “{str(found.get('text', m.group(2)))[:60]}”")
        elif m:
            words.append(f"{diff.FIELD_NAMES.get(m.group(1), m.group(1))} {m.group(2)}")
        else:
            words.append(diff.FIELD_NAMES.get(part, part.replace("_", " ")))
    return ", ".join(words)


def problems_in_words(exc: FileProblems, definition: dict[str, Any] | None
                      ) -> list[tuple[Problem, str]]:
    """Each problem with the place it is about, for a page with no file lines to point at."""
    return [(p, where(p.field, definition)) for p in exc.problems]


__all__ = ["BROWSER_FILENAME", "FileProblems", "read", "write", "check"]
