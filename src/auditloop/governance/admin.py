"""The information governance lead reads the retention runs on the operator pages."""


from django.contrib import admin

from auditloop.common.admin import ReadOnly, ReadOnlyAdmin
from auditloop.governance.models import RetentionRun, RetentionRunLine

LINE_FIELDS = ("record_type", "period", "cutoff", "removed", "past_period", "reported_only")


class RetentionRunLineInline(ReadOnly, admin.TabularInline):  # type: ignore[type-arg]
    model = RetentionRunLine
    fields = LINE_FIELDS
    readonly_fields = LINE_FIELDS
    extra = 0


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "finished_at", "source", "ran_by"]
    list_filter = ["source"]
    inlines = [RetentionRunLineInline]
