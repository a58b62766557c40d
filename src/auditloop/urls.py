"""The service's URLs: one include per app."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("auditloop.common.urls")),
    path("people/", include("auditloop.people.urls")),
    path("cases/", include("auditloop.cases.urls")),
    path("standards/", include("auditloop.standards.urls")),
    path("tray/", include("auditloop.notifications.urls")),
    path("actions/", include("auditloop.actions.urls")),
    # Quality control kept the address it had inside the audits app; matched first.
    path("audits/quality-control/", include("auditloop.quality.urls")),
    path("audits/", include("auditloop.audits.urls")),
    path("programme/", include("auditloop.programme.urls")),
    path("moderation/", include("auditloop.moderation.urls")),
    path("voice/", include("auditloop.voice.urls")),
    path("practice/", include("auditloop.practice.urls")),
    path("indicators/", include("auditloop.indicators.urls")),
    path("reports/", include("auditloop.insight.urls")),
    path("governance/", include("auditloop.governance.urls")),
    path("accounts/", include("allauth.urls")),
    path("operator/", admin.site.urls),
]

if settings.DEMO_MODE:
    urlpatterns.insert(0, path("demo/", include("auditloop.people.demo_urls")))

handler403 = "auditloop.common.views.error_403"
handler404 = "auditloop.common.views.error_404"
handler500 = "auditloop.common.views.error_500"
