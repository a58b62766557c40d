"""The voice app's URLs."""

from django.urls import URLPattern

app_name = "voice"
urlpatterns: list[URLPattern] = []
