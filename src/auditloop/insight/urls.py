from django.urls import path

from auditloop.insight import drill, views

app_name = "insight"
urlpatterns = [
    *views.urlpatterns,
    path("audits/", drill.audits, name="audits"),
]
