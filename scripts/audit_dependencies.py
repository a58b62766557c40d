"""The dependency audit: every pinned package in the lock files checked against the Python
Packaging Advisory Database (through pip-audit and the OSV service).

The advisory database is online. Where it cannot be reached (a machine with no internet but
a package mirror, as on our build machines) the audit cannot run: this script says so
plainly, names the command to run where it can be reached, and exits 0, so `make test`
still runs bandit and the tests. Where it can be reached, any known vulnerability fails.

    python scripts/audit_dependencies.py [--require-reachable]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ("requirements.lock", "requirements-dev.lock")
SERVICE = "https://api.osv.dev/v1/querybatch"


def reachable(url: str = SERVICE, timeout: float = 5.0) -> bool:
    """Whether the advisory service answers a TCP connection on its HTTPS port."""
    host = urlsplit(url).hostname or ""
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def audit_command(lock: Path) -> list[str]:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    return [str(pip_audit), "--requirement", str(lock), "--require-hashes", "--no-deps",
            "--disable-pip", "--vulnerability-service", "osv", "--progress-spinner", "off"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--require-reachable", action="store_true",
                        help="fail, rather than skip, when the advisory database is out of reach")
    args = parser.parse_args(argv)
    if not reachable():
        print("Dependency audit not run: the advisory database (api.osv.dev) cannot be "
              "reached from this machine. Run `python scripts/audit_dependencies.py "
              "--require-reachable` on a machine that can reach it (docs/operators-guide.md, "
              "\"Checks\"). Bandit and the tests still run.")
        return 1 if args.require_reachable else 0
    failed = False
    for name in LOCKS:
        print(f"Checking {name} against the advisory database")
        result = subprocess.run(audit_command(ROOT / name), check=False)  # noqa: S603
        failed |= result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
