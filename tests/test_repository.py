"""The repository explains itself: code, tests and docs point only at things inside it, never
at a folder beside the clone or at tracker numbers a reader of the repository cannot see."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Built from parts so that this file does not match itself.
OUTSIDE = re.compile("|".join([
    r"\.\./" + "shared", r"/[a-z]+/" + "shared/",
    r"\b" + "issue" + r" #?\d+", r"\b" + "issues" + r" \d+ (?:and|to) \d+",
    "STYLE" + r"\.md", "DOMAIN" + r"\.md", "FORMATS" + r"\.md",
    r"\bthe " + "issue" + r"(?: names|:| says)",
]))


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "-z", "src", "tests", "docs", "scripts",
                             "README.md", "Makefile", "pyproject.toml"],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout
    paths = [ROOT / p for p in listed.split("\0") if p]
    return [p for p in paths if p.is_file() and p.suffix in {
        ".py", ".md", ".html", ".yaml", ".toml", ".txt", ".mjs", ".scss", ""}]


def test_nothing_points_outside_the_repository():
    found = []
    for path in tracked_text_files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)


def test_the_pattern_catches_what_it_is_for():
    for line in ["See ../" "shared/STY" "LE.md", 'Path("/work/' 'shared/samples/x.xlsx")',
                 "# (issue" " 4, item 8)", "as the " "issue names the argument"]:
        assert OUTSIDE.search(line), line
    for line in ['error_messages={"required": "Enter the issue"}',
                 "shared/agreed with the child"]:
        assert not OUTSIDE.search(line), line
