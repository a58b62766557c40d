from django.urls import path

from auditloop.standards import framework_views, views

app_name = "standards"
urlpatterns = [
    path("tools/", views.tool_list, name="tool_list"),
    path("tools/upload", views.tool_upload, name="tool_upload"),
    path("tools/uploads/<int:upload_id>/", views.tool_upload_review, name="tool_upload_review"),
    path("tools/<slug:key>/", views.tool_detail, name="tool_detail"),
    path("tools/<slug:key>/versions/<int:number>/", views.tool_detail, name="tool_version"),
    path("tools/<slug:key>/versions/<int:number>/file", views.tool_source, name="tool_source"),
    path("tools/<slug:key>/versions/<int:number>/delete", views.tool_version_delete,
         name="tool_version_delete"),
    path("framework/", framework_views.framework, name="framework"),
    path("framework/history", framework_views.framework_history, name="framework_history"),
    path("framework/scheduled/new", framework_views.scheduled_change_new,
         name="scheduled_change_new"),
    path("framework/scheduled/<int:change_id>/cancel", framework_views.scheduled_change_cancel,
         name="scheduled_change_cancel"),
    path("framework/presets/", framework_views.preset_list, name="preset_list"),
    path("framework/presets/<slug:key>/", framework_views.preset_apply, name="preset_apply"),
    path("framework/<slug:name>/change", framework_views.setting_edit, name="setting_edit"),
    path("framework/<slug:page>/", framework_views.framework_page, name="framework_page"),
]
