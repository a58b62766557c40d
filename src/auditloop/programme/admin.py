"""The operator's view of the programme: read-only. Cycles are run on their own pages (or
with `auditloop cycle`), where every step checks the framework's rules and is recorded."""

from django.contrib import admin

from auditloop.common.admin import ReadOnlyAdmin as ReadOnly
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
