"""Dependencies are declared: what the service imports is in pyproject.toml's [project]
dependencies, the test tools are only in the `dev` extra, and the two lock files follow, so
`make demo` installs only what the service needs and `make test` the rest."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "auditloop"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
# Tools for testing and checking code: never needed to run the service.
TEST_TOOLS = {
    "pytest", "pytest-django", "pytest-xdist", "hypothesis", "factory-boy", "faker",
    "time-machine", "playwright", "ruff", "mypy", "django-stubs", "import-linter", "grimp",
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, requirement
    return canonical(match.group(1))


def pins(lock: str) -> dict[str, str]:
    """The packages a lock file pins, by name, and their versions; each must have hashes."""
    text = (ROOT / lock).read_text()
    found: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(\S+)", block)
        if match:
            assert "--hash=sha256:" in block, f"{lock}: {match.group(1)} has no hash"
            found[canonical(match.group(1))] = match.group(2)
    return found


def runtime() -> set[str]:
    return {requirement_name(r) for r in PYPROJECT["project"]["dependencies"]}


def dev() -> set[str]:
    return {requirement_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}


@cache
def imported_top_level_modules() -> frozenset[str]:
    """Every module src imports, and every module the settings and the Jinja2 environment
    name in a string (INSTALLED_APPS, MIDDLEWARE, backends, template packages), by its
    top-level name."""
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    for config in [*SRC.glob("settings*.py"), SRC / "jinja2.py"]:
        for node in ast.walk(ast.parse(config.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"[a-z_][a-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", node.value):
                names.add(node.value.split(".")[0])
    return frozenset(n for n in names if n not in sys.stdlib_module_names and n != "auditloop")


def test_every_module_the_service_imports_is_a_declared_runtime_dependency():
    distributions = packages_distributions()
    declared = runtime()
    undeclared = []
    for module in sorted(imported_top_level_modules()):
        owners = {canonical(d) for d in distributions.get(module, [])}
        if not owners:
            # Named in the settings but not a package's module (a settings key, say).
            continue
        if not owners & declared:
            undeclared.append(f"{module} (from {', '.join(sorted(owners))})")
    assert not undeclared, ("src imports these but pyproject.toml's [project] dependencies do "
                            f"not name them: {undeclared}")


def test_the_import_scan_sees_the_service_s_real_dependencies():
    # The scan above is only worth something if it finds what the service really uses.
    modules = imported_top_level_modules()
    assert {"django", "allauth", "ortools", "numpy", "whitenoise", "django_tasks_db",
            "govuk_frontend_jinja", "docx", "yaml"} <= modules


def test_test_tools_are_in_the_dev_extra_only():
    assert not runtime() & TEST_TOOLS, "a test tool is a runtime dependency"
    assert dev() >= TEST_TOOLS - {"faker", "grimp"}


def test_the_runtime_lock_pins_no_test_tool():
    locked = pins("requirements.lock")
    assert not set(locked) & TEST_TOOLS, sorted(set(locked) & TEST_TOOLS)
    assert runtime() <= set(locked), "requirements.lock is missing a runtime dependency: " \
        "recompile it (the command is in pyproject.toml)"


def test_the_dev_lock_pins_the_runtime_lock_and_the_dev_extra():
    locked, dev_locked = pins("requirements.lock"), pins("requirements-dev.lock")
    differ = {n: (v, dev_locked.get(n)) for n, v in locked.items() if dev_locked.get(n) != v}
    assert not differ, f"the two lock files pin these differently: {differ}"
    assert dev() <= set(dev_locked)


def test_make_demo_installs_the_runtime_lock_and_make_test_the_dev_lock():
    def planned(target: str) -> str:
        # -n: print the commands without running them; -B: as on a fresh machine.
        return subprocess.run(["make", "-nB", target], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout

    demo, test = planned("demo"), planned("test")
    assert "-r requirements.lock" in demo and "requirements-dev.lock" not in demo
    assert "-r requirements-dev.lock" in test
    assert "lint-imports" in test
