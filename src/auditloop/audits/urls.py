"""The audits app's URLs, gathered from each part's views module."""

from auditloop.audits import concern_views, quality_views, views, voice_views

app_name = "audits"
urlpatterns = [
    *views.urlpatterns,
    *concern_views.urlpatterns,
    *voice_views.urlpatterns,
    *quality_views.urlpatterns,
]
