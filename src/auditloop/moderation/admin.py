"""The operator's view of moderation: read-only. Samples, reviews and calibration are run on
their own pages, where every step checks its state and blind grades stay blind."""

from django.contrib import admin

from auditloop.common.admin import ReadOnlyAdmin as ReadOnly
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
