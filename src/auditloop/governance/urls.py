from django.urls import path

from auditloop.governance import views

app_name = "governance"

urlpatterns: list = [
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export.csv", views.access_log_csv, name="access_log_csv"),
    path("access-log/export.xlsx", views.access_log_xlsx, name="access_log_xlsx"),
    path("sign-in-events/", views.sign_in_events, name="sign_in_events"),
    path("sign-in-events/export.csv", views.sign_in_events_csv, name="sign_in_events_csv"),
]
