"""`make bench` runs: on the small council (`--quick`), in a database of its own on the
suite's own database server, it builds the council, serves it with the production server,
loads every page it measures without an error, and writes every section of its results with
each budget marked held or missed. The large council's run is the same code."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import dj_database_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
bench = importlib.import_module("bench")  # benchmarks/bench.py


def _bench_database_url(tmp_path: Path) -> str:
    """A database beside the suite's own: PostgreSQL when the suite runs on it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        config = dj_database_url.parse(url)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"{config['NAME']}_bench_{worker}"[:63]
        return url.rsplit("/", 1)[0] + "/" + name
    return f"sqlite:///{tmp_path / 'bench.sqlite3'}"


def test_make_bench_quick_measures_every_page_and_checks_every_budget(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nEarlier figures.\n")
    url = _bench_database_url(tmp_path)
    # The run's own settings, not the suite's (pytest-django names the test settings).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST") and k not in ("DJANGO_SETTINGS_MODULE",
                                                        "AUDITLOOP_ENV")}
    run = subprocess.run(  # noqa: S603 - our own Makefile target
        ["make", "--no-print-directory", "bench", f"BENCH_DATABASE_URL={url}",
         f"BENCH_ARGS=--quick --results {results}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    text = results.read_text()
    assert text.startswith("# Benchmark results\n\nEarlier figures.\n")
    assert text.count(bench.START) == 1 and text.count(bench.END) == 1
    for heading in ("### Budgets", "### Every role's home page", "### The QA manager's main "
                    "pages", "### Imports", "### Exports and reports asked for through the "
                    "server", "### Exports and reports made in-process", "### Memory",
                    "### Load average"):
        assert heading in text, heading
    for page in ("home page: qa_manager", "home page: senior_manager", "case list",
                 "case page", "audit page", "tracker", "cycle page", "QA meeting",
                 "agreement", "monthly report page", "a report"):
        assert f"| {page} |" in text, page
    # Every load ran without a failed request, each page beside its floor.
    assert text.count(", 0 errors.") == 2, run.stdout[-3000:]
    assert text.count("| minimal view (`/healthz`), the floor |") == 2
    for line in ("Monthly CSV, new cases", "Monthly CSV, the same file unchanged",
                 "Annex A workbook, read only", "Annex A workbook, new",
                 "SSDA903 Header and Episodes, the same files unchanged",
                 "An audit's PDF (request)", "The whole tracker as XLSX (request)",
                 "The annual report over ten years", "Background worker"):
        assert line in text, line
    budgets = text.split("### Budgets", 1)[1].split("###", 1)[0]
    rows = [r for r in budgets.splitlines() if r.startswith("| ") and "| Budget |" not in r]
    assert len(rows) > 30
    assert all("| held |" in r or "| **missed** |" in r for r in rows)
    assert "budgets held" in run.stdout


def test_results_replace_the_previous_run_and_keep_everything_else(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmark results\n\nBefore.\n")
    bench.write_results(path, f"{bench.START}\nfirst\n{bench.END}\n")
    path.write_text(path.read_text() + "\n## After\n")
    bench.write_results(path, f"{bench.START}\nsecond\n{bench.END}\n")
    text = path.read_text()
    assert "first" not in text and "second" in text
    assert text.startswith("# Benchmark results\n\nBefore.\n")
    assert text.rstrip().endswith("## After")


def test_percentile_is_nearest_rank() -> None:
    assert bench.percentile([0.1, 0.2, 0.3, 0.4, 0.5], 50) == 0.3
    assert bench.percentile([float(i) for i in range(1, 101)], 95) == 95.0
