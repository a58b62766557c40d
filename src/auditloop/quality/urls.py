"""Tier 1 quality control's pages. They keep the addresses they had when quality control
was part of the audits app (/audits/quality-control/...), so bookmarks still work."""

from django.urls import path

from auditloop.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.quality_queue, name="queue"),
    path("to-fix/", views.quality_to_fix, name="to_fix"),
    path("<int:check_id>/", views.quality_check, name="check"),
    path("<int:check_id>/put-right", views.quality_check_fixed, name="check_fixed"),
    path("<int:check_id>/confirm", views.quality_check_confirm, name="check_confirm"),
]
