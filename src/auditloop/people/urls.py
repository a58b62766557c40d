from django.urls import path

from auditloop.people import views

app_name = "people"
urlpatterns = [
    path("", views.staff_list, name="staff_list"),
    path("<int:person_id>/", views.staff_detail, name="staff_detail"),
    path("teams/", views.team_list, name="team_list"),
    path("session/keep-alive", views.keep_alive, name="keep_alive"),
]
