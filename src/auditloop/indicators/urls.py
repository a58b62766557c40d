from django.urls import path

from auditloop.indicators import upload_views, views

app_name = "indicators"
urlpatterns = [
    path("", views.indicator_list, name="indicator_list"),
    path("<slug:key>/", views.indicator_detail, name="indicator_detail"),
]
# The performance team's uploads (upload_views.py): two segments, so no indicator key
# (<slug:key>/ above) can take their addresses.
urlpatterns += [
    path("values/upload/", upload_views.upload, name="upload"),
    path("values/template.csv", upload_views.upload_template, name="upload_template"),
]
