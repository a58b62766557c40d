"""The operator's view of moderation: read-only. Samples, reviews and calibration are run on
their own pages, where every step checks its state and blind grades stay blind."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from auditloop.moderation.models import (
    CalibrationExercise,
    CalibrationParticipant,
    ModerationDraw,
    ModerationGrade,
    ModerationMeeting,
    ModerationReview,
    ModerationSample,
    ModeratorAssignment,
    SampledAudit,
)


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModerationReview)
class ModerationReviewAdmin(ReadOnly):
    list_display = ["audit", "moderator", "status", "blind_saved_at", "completed_at"]
    list_filter = ["status"]
    raw_id_fields = ["audit", "assignment", "settled"]


@admin.register(SampledAudit)
class SampledAuditAdmin(ReadOnly):
    list_display = ["sample", "audit", "source", "status"]
    list_filter = ["source", "status"]
    raw_id_fields = ["audit"]


for model in (ModerationSample, ModerationDraw, ModeratorAssignment, ModerationGrade,
              ModerationMeeting, CalibrationExercise, CalibrationParticipant):
    admin.site.register(model, ReadOnly)
