"""Back links name where they go ("Back to the December 2026 cycle", "Back to audit cycles"),
never a bare "Back": a person who uses the service a few times a month should know where the
link leads before following it. Read from the templates (GOV.UK back links, written out or
through the apps' `back` macros) and from the pages whose back link text a view gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "auditloop"


ANCHOR = re.compile(r'<a\b[^>]*class="govuk-back-link"[^>]*>(.*?)</a>', re.S)
MACRO = re.compile(r"\b(?:back|back_link)\((.*?)\)\s*}}", re.S)
GOVUK = re.compile(r"govukBackLink\(\s*\{(.*?)\}\s*\)", re.S)
LITERAL = re.compile(r'^\s*"([^"]*)"\s*$|^\s*\'([^\']*)\'\s*$')


def templates() -> list[Path]:
    return sorted(SRC.rglob("*.html"))


def back_link_texts(path: Path) -> list[str]:
    """The text of each back link the template writes: the literal text, or the Jinja
    expression that makes it."""
    text = path.read_text()
    found = [m.group(1).strip() for m in ANCHOR.finditer(text)]
    for m in MACRO.finditer(text):
        args = m.group(1)
        # The link text is the macro's last argument (after the URL).
        depth, cut = 0, None
        for i, ch in enumerate(args):
            depth += ch in "([{"
            depth -= ch in ")]}"
            if ch == "," and depth == 0:
                cut = i
        if cut is not None:
            words = args[cut + 1:].strip()
            found.append(words if LITERAL.match(words) else "{{ " + words + " }}")
    for m in GOVUK.finditer(text):
        words = re.search(r"\btext\s*:\s*(\"[^\"]*\"|'[^']*'|[^,}]+)", m.group(1))
        found.append(words.group(1).strip() if words else '"Back"')
    return found


def literal(expression: str) -> str | None:
    if "{{" in expression or "{%" in expression:
        return None
    m = LITERAL.match(expression)
    if m:
        return m.group(1) if m.group(1) is not None else m.group(2)
    if re.fullmatch(r"[^\"'(){}~]+", expression):  # plain text inside <a>...</a>
        return expression
    return None


def test_the_templates_have_back_links_to_check() -> None:
    assert sum(len(back_link_texts(p)) for p in templates()) > 40


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(SRC)))
def test_every_back_link_names_where_it_goes(path: Path) -> None:
    name = str(path.relative_to(SRC))
    if path.name == "_macros.html":
        return
    for expression in back_link_texts(path):
        words = literal(expression)
        if words is None:  # built by the page: "Back to " and a name, or a view's text
            assert "Back to " in expression or re.fullmatch(r"{{\s*back_text\s*}}",
                                                            expression), (
                f"{name}: a back link made from {expression!r} may not say where it goes")
            continue
        assert words.strip() not in ("Back", "Go back", ""), f"{name}: a bare back link"
        assert words.startswith("Back to "), f"{name}: {words!r} should say 'Back to ...'"


def test_a_back_link_names_where_it_goes_when_the_view_gives_no_words(
        db: None) -> None:
    from auditloop.common.exports import ask_for_reason
    from tests.factories import PersonFactory

    request = RequestFactory().get("/export")
    request.user = PersonFactory(roles=["qa_manager"]).user
    page = ask_for_reason(request, what="the audit tracker", back_url="/tracker")
    body = page.content.decode()  # type: ignore[union-attr]
    assert 'class="govuk-back-link">Back to the audit tracker</a>' in body
    page = ask_for_reason(request, what="who audits what: December 2026 cycle",
                          back_url="/cycles/1/", back_text="Back to the December 2026 cycle")
    body = page.content.decode()  # type: ignore[union-attr]
    assert 'class="govuk-back-link">Back to the December 2026 cycle</a>' in body


def test_the_views_that_give_a_back_link_give_its_words() -> None:
    """A view that names a back link's page ("back": a URL name) names its words too."""
    for path in (SRC / "programme").glob("*.py"):
        text = path.read_text()
        for m in re.finditer(r'"back":\s*"[a-z_]+:[a-z_]+"', text):
            after = text[m.end():m.end() + 200]
            assert '"back_text": "Back to ' in after, f"{path.name}: {m.group(0)}"
    for path in (SRC / "actions").glob("*.py"):
        for m in re.finditer(r'back_text="([^"]*)"', path.read_text()):
            assert m.group(1).startswith("Back to "), f"{path.name}: {m.group(0)}"
