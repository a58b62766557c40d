from django.urls import path

from auditloop.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.tray, name="tray"),
    path("<int:notification_id>/", views.notice, name="notice"),
    path("<int:notification_id>/read", views.mark_read, name="mark_read"),
]
