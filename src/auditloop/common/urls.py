from django.urls import path

from auditloop.common import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility", views.accessibility, name="accessibility"),
    # The landing page of a job in the navigation (common/navigation.py): /work/month/ ...
    path("work/<slug:group>/", views.work_group, name="work_group"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
