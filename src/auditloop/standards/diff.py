"""What changed between two versions of a tool, in words a QA manager reads before confirming.

Two views: the changes to the tool itself (a question's wording, a grade's definition...),
matched by the keys that stay the same across versions, and the file's changed lines.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

FIELD_NAMES = {
    "name": "name", "summary": "summary", "notes_for_auditor": "notes for the auditor",
    "purpose": "purpose", "completed_by": "who completes it", "applies_to": "what it applies to",
    "seed": "seed", "origin": "origin (seed or draft)", "source_note": "note on its source",
    "tag_question": "tag question", "defaults": "defaults",
    "title": "title", "ref": "numbering", "kind": "kind", "guidance": "guidance",
    "graded": "graded", "scale": "scale", "evidence": "evidence box",
    "applies_when": "when it applies", "repeat": "repeat",
    "text": "wording", "answer": "answer type", "options": "answer options",
    "choices": "choices", "definitions": "RAG definitions", "min": "lowest number",
    "max": "highest number", "unit": "unit", "comment": "comment box", "required": "required",
    "finding": "finding", "label": "label", "definition": "definition",
    "definition_source": "where the definition comes from",
    "counts_as_good": "counts as good", "narrative_only": "narrative only", "note": "note",
    "suggestion": "suggested grade", "reason_required_when": "when a reason is needed",
    "informed_by": "informed by",
}


@dataclass
class Change:
    kind: str  # added, removed, changed, moved
    where: str
    what: str = ""
    old: Any = None
    new: Any = None


def _text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(v.get("label", v) if isinstance(v, dict) else v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


def _fields(old: dict[str, Any], new: dict[str, Any], where: str, skip: set[str],
            out: list[Change]) -> None:
    for name in dict.fromkeys([*old, *new]):
        if name in skip:
            continue
        a, b = old.get(name), new.get(name)
        if a != b:
            out.append(Change("changed", where, FIELD_NAMES.get(name, name), _text(a), _text(b)))


def _section_name(s: dict[str, Any]) -> str:
    return f"Section {s['ref']} {s['title']}".strip() if s.get("ref") else s["title"]


def _question_name(s: dict[str, Any], q: dict[str, Any]) -> str:
    if q["ref"]:
        return f"{_section_name(s)}, question {q['ref']}"
    # With no numbering, the question's own opening words (its key is not for people).
    words = q["text"] if len(q["text"]) <= 60 else q["text"][:57].rstrip() + "..."
    return f"{_section_name(s)}, question “{words}”"


def tool_changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """Changes from old to new; with no old version every section is new."""
    out: list[Change] = []
    if old is None:
        for s in new["sections"]:
            out.append(Change("added", _section_name(s), f"{len(s['questions'])} questions"))
        return out
    _fields(old, new, "The tool", {"sections", "scales", "overall", "format", "key"}, out)

    for key in dict.fromkeys([*old["scales"], *new["scales"]]):
        a, b = old["scales"].get(key), new["scales"].get(key)
        where = f"Grade scale “{(b or a)['name']}”"
        if a is None:
            out.append(Change("added", where))
        elif b is None:
            out.append(Change("removed", where))
        else:
            _fields(a, b, where, {"levels"}, out)
            la = {lv["key"]: lv for lv in a["levels"]}
            lb = {lv["key"]: lv for lv in b["levels"]}
            for lk in dict.fromkeys([*la, *lb]):
                lwhere = f"{where}, grade {(lb.get(lk) or la[lk])['label']}"
                if lk not in la:
                    out.append(Change("added", lwhere))
                elif lk not in lb:
                    out.append(Change("removed", lwhere))
                else:
                    _fields(la[lk], lb[lk], lwhere, set(), out)
            if [k for k in la if k in lb] != [k for k in lb if k in la]:
                out.append(Change("moved", where, "order of the grades"))

    sa = {s["key"]: s for s in old["sections"]}
    sb = {s["key"]: s for s in new["sections"]}
    for key in dict.fromkeys([*sa, *sb]):
        if key not in sa:
            out.append(Change("added", _section_name(sb[key]),
                              f"{len(sb[key]['questions'])} questions"))
            continue
        if key not in sb:
            out.append(Change("removed", _section_name(sa[key]),
                              f"{len(sa[key]['questions'])} questions"))
            continue
        a, b = sa[key], sb[key]
        _fields(a, b, _section_name(b), {"questions", "key"}, out)
        qa = {q["key"]: q for q in a["questions"]}
        qb = {q["key"]: q for q in b["questions"]}
        for qk in dict.fromkeys([*qa, *qb]):
            if qk not in qa:
                out.append(Change("added", _question_name(b, qb[qk]), "", None, qb[qk]["text"]))
            elif qk not in qb:
                out.append(Change("removed", _question_name(a, qa[qk]), "", qa[qk]["text"]))
            else:
                _fields(qa[qk], qb[qk], _question_name(b, qb[qk]), {"key"}, out)
        if [k for k in qa if k in qb] != [k for k in qb if k in qa]:
            out.append(Change("moved", _section_name(b), "order of the questions"))
    if [k for k in sa if k in sb] != [k for k in sb if k in sa]:
        out.append(Change("moved", "The tool", "order of the sections"))

    oa, ob = old.get("overall"), new.get("overall")
    if oa is None and ob is not None:
        out.append(Change("added", "The overall grade"))
    elif ob is None and oa is not None:
        out.append(Change("removed", "The overall grade"))
    elif oa and ob:
        _fields(oa, ob, "The overall grade", set(), out)
    return out


@dataclass
class Line:
    kind: str  # context, added, removed, hunk
    text: str
    old_number: int | None = None
    new_number: int | None = None


def file_changes(old: str, new: str, *, context: int = 2) -> list[Line]:
    """The file's changed lines with a little context, numbered as in each file."""
    lines: list[Line] = []
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first = group[0]
        lines.append(Line("hunk", f"Lines {first[3] + 1} onwards of the new file"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for n in range(i2 - i1):
                    lines.append(Line("context", a[i1 + n], i1 + n + 1, j1 + n + 1))
                continue
            for n in range(i1, i2):
                lines.append(Line("removed", a[n], n + 1, None))
            for n in range(j1, j2):
                lines.append(Line("added", b[n], None, n + 1))
    return lines
