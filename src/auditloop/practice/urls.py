"""The practice app's URLs."""

from django.urls import path

from auditloop.practice import observation_views as ov
from auditloop.practice import views

app_name = "practice"
urlpatterns = [
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/new/", views.alert_new, name="alert_new"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:alert_id>/answer/", views.alert_answer, name="alert_answer"),
    path("alerts/<int:alert_id>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("alerts/monthly/", views.monthly_report, name="monthly_report"),
    path("team-links/", views.team_links, name="team_links"),
    # Observations of practice (002).
    path("observations/", ov.observation_list, name="observation_list"),
    path("observations/plan/", ov.observation_plan, name="observation_plan"),
    path("observations/<int:observation_id>/", ov.observation_detail,
         name="observation_detail"),
    path("observations/<int:observation_id>/record/", ov.observation_record,
         name="observation_record"),
    path("observations/<int:observation_id>/cancel/", ov.observation_cancel,
         name="observation_cancel"),
    path("observations/<int:observation_id>/reply/", ov.observation_reply,
         name="observation_reply"),
    path("observations/compliance/", ov.observation_compliance,
         name="observation_compliance"),
    path("observations/half-year/", ov.observation_summary, name="observation_summary"),
    path("observations/practice-week/", ov.practice_week, name="practice_week"),
    path("observations/tools/", ov.observation_tools, name="observation_tools"),
    path("observations/asye/", ov.asye_years, name="asye_years"),
]
