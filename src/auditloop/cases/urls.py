from django.urls import path

from auditloop.cases import import_views, views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/new/", import_views.import_new, name="import_new"),
    path("imports/<int:job_id>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:job_id>/status/", import_views.import_status, name="import_status"),
]
