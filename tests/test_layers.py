"""Apps import downwards only (docs/architecture.md): the import-linter contract in
pyproject.toml names every app, `lint-imports` keeps it, and no app reaches into another
app's private (underscored) names."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "auditloop"
ORDER = ["common", "people", "notifications", "cases", "standards", "actions", "quality",
         "audits", "programme", "moderation", "indicators", "practice", "voice",
         "insight", "demo"]


def contract() -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return layers


def apps() -> set[str]:
    return {p.parent.name for p in SRC.glob("*/__init__.py")}


def test_the_layers_contract_names_every_app_in_order():
    layers = contract()["layers"]
    named = [m.strip("() ") for layer in layers for m in layer.replace("|", ":").split(":")]
    assert apps() <= set(named), f"apps missing from the layers contract: {apps() - set(named)}"
    # The contract lists the top first; the apps' order is the documented one.
    in_contract = [m for m in reversed(named) if m in apps()]
    assert [m for m in in_contract if m in ORDER] == [m for m in ORDER if m in in_contract]
    # The project's own top-level modules (settings, URLs, Jinja2, command line) sit above.
    top = {m.strip() for m in layers[0].replace("|", ":").split(":")}
    assert {"settings", "urls", "jinja2", "__main__"} <= top


def test_lint_imports_keeps_the_contract():
    lint = Path(sys.executable).parent / "lint-imports"
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_app_imports_another_app_s_private_names():
    found = []
    for path in SRC.rglob("*.py"):
        app = path.relative_to(SRC).parts[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
                    and node.module.startswith("auditloop.")):
                continue
            other = node.module.split(".")[1]
            if other == app:
                continue
            private = [a.name for a in node.names if a.name.startswith("_")]
            private_module = [part for part in node.module.split(".")[2:]
                              if part.startswith("_") and part != "__init__"]
            if private or private_module:
                found.append(f"{path.relative_to(ROOT)}: from {node.module} import "
                             f"{', '.join(a.name for a in node.names)}")
    assert not found, found
