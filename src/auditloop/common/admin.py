"""The operator pages (`/operator/`, Django's admin) only show records: every change with a
rule goes through the services and the service's own pages, where it is checked and recorded.
Each app registers its models with ReadOnlyAdmin (or a subclass)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from auditloop.common.models import AccessLog, AccessLogPurge


class ReadOnly:
    """Nobody adds, changes or deletes through the operator pages (admins and inlines)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin):  # type: ignore[type-arg]
    pass


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type"]


@admin.register(AccessLogPurge)
class AccessLogPurgeAdmin(ReadOnlyAdmin):
    list_display = ["at", "before", "removed", "database_user", "system_user"]
