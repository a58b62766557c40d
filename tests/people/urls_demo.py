"""The service's URLs as AUDITLOOP_ENV=demo mounts them: auditloop/urls.py adds /demo/ only
when DEMO_MODE is on at start-up, so tests that switch demo mode on use this URLconf."""

from django.urls import include, path

from auditloop.urls import handler403, handler404, handler500
from auditloop.urls import urlpatterns as service_urlpatterns

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns = [path("demo/", include("auditloop.people.demo_urls")), *service_urlpatterns]
