"""The audits app's URLs, gathered from each part's views module."""

from auditloop.audits import concern_views, views, voice_views

app_name = "audits"
urlpatterns = [
    *views.urlpatterns,
    *concern_views.urlpatterns,
    *voice_views.urlpatterns,
]

# The central tracker (audits/tracker_views.py).
from auditloop.audits import tracker_views  # noqa: E402

urlpatterns += tracker_views.urlpatterns

# Audits of my cases, my team's audits (audits/my_audits_views.py).
from auditloop.audits import my_audits_views  # noqa: E402

urlpatterns += my_audits_views.urlpatterns
