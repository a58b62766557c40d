from django.urls import path

from auditloop.people import session_views, views

app_name = "people"
urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("new", views.staff_edit, name="staff_new"),
    path("<int:person_id>/", views.staff_detail, name="staff_detail"),
    path("<int:person_id>/edit", views.staff_edit, name="staff_edit"),
    path("<int:person_id>/absences/new", views.absence_new, name="absence_new"),
    path("<int:person_id>/training/new", views.training_new, name="training_new"),
    path("structure/", views.structure, name="structure"),
    path("structure/job-titles/new", views.job_title_edit, name="job_title_new"),
    path("structure/job-titles/<int:pk>/edit", views.job_title_edit, name="job_title_edit"),
    path("structure/<str:kind>/new", views.structure_edit, name="structure_new"),
    path("structure/<str:kind>/<int:pk>/edit", views.structure_edit, name="structure_edit"),
    path("session/keep-alive", views.keep_alive, name="keep_alive"),
    path("sessions/", session_views.session_list, name="sessions"),
    path("sessions/<int:session_id>/end", session_views.session_end, name="session_end"),
]
