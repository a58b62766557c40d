"""The information governance lead reads the retention runs on the operator pages."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from auditloop.common.admin import ReadOnlyAdmin
from auditloop.governance.models import RetentionRun, RetentionRunLine

LINE_FIELDS = ("record_type", "period", "cutoff", "removed", "past_period", "reported_only")


class RetentionRunLineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RetentionRunLine
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "source", "ran_by"]
    list_filter = ["source"]
    inlines = [RetentionRunLineInline]
