"""Pages for the role matrix (tests/common/test_role_matrix.py): who may open each, and the
URL arguments of objects the signed-in person has nothing to do with."""

from __future__ import annotations

from typing import Any

from auditloop.people.roles import Role

MODERATION_EXPECTED: dict[str, tuple[str, frozenset[Role]]] = {}


def moderation_world() -> dict[str, dict[str, Any]]:
    return {}
