"""Moderation's URLs."""

from django.urls import path

from auditloop.moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.my_reviews, name="my_reviews"),
    path("reviews/<int:review_id>/", views.review, name="review"),
    path("reviews/<int:review_id>/blind", views.review_blind, name="review_blind"),
    path("reviews/<int:review_id>/complete", views.review_complete, name="review_complete"),
    path("cycles/<int:cycle_id>/", views.sample, name="sample"),
    path("cycles/<int:cycle_id>/draw", views.sample_draw, name="sample_draw"),
    path("cycles/<int:cycle_id>/redraw", views.sample_redraw, name="sample_redraw"),
    path("cycles/<int:cycle_id>/add", views.sample_add, name="sample_add"),
    path("cycles/<int:cycle_id>/mode", views.sample_mode, name="sample_mode"),
    path("cycles/<int:cycle_id>/audits/<int:sampled_id>/remove", views.sample_remove,
         name="sample_remove"),
    path("cycles/<int:cycle_id>/audits/<int:sampled_id>/reassign", views.reassign,
         name="reassign"),
    path("samples/<int:sample_id>/meeting", views.meeting, name="meeting"),
    path("samples/<int:sample_id>/meeting/save", views.meeting_save, name="meeting_save"),
    path("samples/<int:sample_id>/audits/<int:sampled_id>/move", views.agenda_move,
         name="agenda_move"),
    path("samples/<int:sample_id>/audits/<int:sampled_id>/note", views.discussion,
         name="discussion"),
    path("agreement/", views.agreement, name="agreement"),
    path("auditors/", views.auditor_list, name="auditor_list"),
    path("auditors/<int:person_id>/", views.auditor_record, name="auditor_record"),
    path("calibration/", views.calibration_list, name="calibration_list"),
    path("calibration/new", views.calibration_new, name="calibration_new"),
    path("calibration/<int:exercise_id>/", views.calibration_detail, name="calibration_detail"),
    path("calibration/<int:exercise_id>/grade", views.calibration_grade,
         name="calibration_grade"),
    path("calibration/<int:exercise_id>/results", views.calibration_results,
         name="calibration_results"),
    path("calibration/<int:exercise_id>/reference", views.calibration_reference,
         name="calibration_reference"),
    path("calibration/<int:exercise_id>/close", views.calibration_close,
         name="calibration_close"),
]
