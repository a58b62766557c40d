from django.urls import path

from auditloop.common import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
]
