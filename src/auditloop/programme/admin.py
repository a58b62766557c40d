"""The operator's view of the programme: read-only. Cycles are run on their own pages (or
with `auditloop cycle`), where every step checks the framework's rules and is recorded."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from auditloop.programme.models import (
    AllocationLine,
    AllocationOverride,
    AllocationRun,
    CaseRequest,
    CoordinatorContact,
    Cycle,
    CycleCase,
    CycleEvent,
    CycleNotice,
    IndicatorTheme,
    MeetingItem,
    SelectionDraw,
)


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Cycle)
class CycleAdmin(ReadOnly):
    list_display = ["__str__", "kind", "status", "theme", "audits_due_on"]
    list_filter = ["kind", "status", "year"]


@admin.register(CycleCase)
class CycleCaseAdmin(ReadOnly):
    list_display = ["cycle", "case", "source", "status"]
    list_filter = ["source", "status"]
    raw_id_fields = ["case", "audit", "planned_audit"]


@admin.register(CycleNotice)
class CycleNoticeAdmin(ReadOnly):
    list_display = ["cycle", "kind", "status", "queued_at", "finished_at", "sent_count", "late"]
    list_filter = ["kind", "status"]


for model in (CycleEvent, IndicatorTheme, CaseRequest, SelectionDraw, CoordinatorContact,
              AllocationRun, AllocationLine, AllocationOverride, MeetingItem):
    admin.site.register(model, ReadOnly)
