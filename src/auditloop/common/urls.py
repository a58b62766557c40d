from django.urls import path

from auditloop.common import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility", views.accessibility, name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
