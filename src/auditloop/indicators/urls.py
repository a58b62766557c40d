from django.urls import path

from auditloop.indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.indicator_list, name="indicator_list"),
    path("<slug:key>/", views.indicator_detail, name="indicator_detail"),
]
