"""The security checks `make test` runs: bandit over our code, and the dependency audit,
which says plainly when the advisory database cannot be reached."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BANDIT = Path(sys.executable).with_name("bandit")
sys.path.insert(0, str(ROOT / "scripts"))
import audit_dependencies  # noqa: E402


def bandit(target: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BANDIT), "-c", str(ROOT / "pyproject.toml"), "-q", "-r",
                           str(target), "-ll"], capture_output=True, text=True, check=False)


def test_make_test_runs_bandit_and_the_dependency_audit():
    recipe = (ROOT / "Makefile").read_text().split("\ntest: setup-dev\n", 1)[1].split("\n\n")[0]
    assert "bandit -c pyproject.toml -q -r src -ll" in recipe
    assert "scripts/audit_dependencies.py" in recipe


def test_bandit_passes_our_code():
    result = bandit(ROOT / "src")
    assert result.returncode == 0, result.stdout


def test_bandit_fails_a_shell_injection(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import subprocess\n\ndef run(name):\n"
                   "    subprocess.call('ls ' + name, shell=True)\n")
    result = bandit(tmp_path)
    assert result.returncode == 1 and "B602" in result.stdout


def test_the_audit_says_so_and_passes_when_the_database_is_out_of_reach(monkeypatch, capsys):
    monkeypatch.setattr(audit_dependencies, "reachable", lambda *a, **k: False)
    assert audit_dependencies.main([]) == 0
    assert "Dependency audit not run" in capsys.readouterr().out
    assert audit_dependencies.main(["--require-reachable"]) == 1


@pytest.mark.parametrize(("code", "expected"), [(0, 0), (1, 1)])
def test_a_known_vulnerability_fails_the_audit(monkeypatch, code, expected):
    monkeypatch.setattr(audit_dependencies, "reachable", lambda *a, **k: True)
    seen: list[list[str]] = []

    def fake_run(argv, check):  # type: ignore[no-untyped-def]
        seen.append(argv)
        return subprocess.CompletedProcess(argv, code)

    monkeypatch.setattr(audit_dependencies.subprocess, "run", fake_run)
    assert audit_dependencies.main([]) == expected
    assert [Path(a[2]).name for a in seen] == ["requirements.lock", "requirements-dev.lock"]
    assert all("--require-hashes" in a and "osv" in a for a in seen)
