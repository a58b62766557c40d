"""Receivers of the case register's signals: each only calls a quality-control service."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from auditloop.quality.services import quality_checks_create_for_cases


def queue_imported_records(sender: Any, *, job_id: int, case_ids: Collection[int],
                           **kwargs: Any) -> None:
    """An import finished: its cases' records join the Tier 1 queue."""
    quality_checks_create_for_cases(case_ids=case_ids)
