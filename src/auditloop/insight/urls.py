from django.urls import path

from auditloop.insight import drill, meeting_views, views

app_name = "insight"
urlpatterns = [
    *views.urlpatterns,
    *meeting_views.urlpatterns,
    path("audits/", drill.audits, name="audits"),
]
