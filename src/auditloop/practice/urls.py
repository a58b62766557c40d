"""The practice app's URLs."""

from django.urls import path

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
]
