"""concern_views: filled in by its issue-4 part"""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
