from django.urls import path

from auditloop.standards import framework_views, views
from auditloop.standards import tool_edit_views as edit

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
    # Changing a tool in the browser: a draft per tool, saved as a new version.
    path("tools/<slug:key>/change/start", edit.tool_edit_start, name="tool_edit_start"),
    path("tools/<slug:key>/change/", edit.tool_edit, name="tool_edit"),
    path("tools/<slug:key>/change/scale", edit.tool_edit_scale, name="tool_edit_scale"),
    path("tools/<slug:key>/change/scales/<slug:scale_key>/grades", edit.tool_edit_grades,
         name="tool_edit_grades"),
    path("tools/<slug:key>/change/sections/<slug:section_key>/", edit.tool_edit_section,
         name="tool_edit_section"),
    path("tools/<slug:key>/change/sections/<slug:section_key>/questions/add",
         edit.tool_edit_question_add, name="tool_edit_question_add"),
    path("tools/<slug:key>/change/sections/<slug:section_key>/questions/<slug:question_key>/",
         edit.tool_edit_question, name="tool_edit_question"),
    path("tools/<slug:key>/change/sections/<slug:section_key>/questions/<slug:question_key>"
         "/remove", edit.tool_edit_question_remove, name="tool_edit_question_remove"),
    path("tools/<slug:key>/change/sections/<slug:section_key>/questions/<slug:question_key>"
         "/move", edit.tool_edit_question_move, name="tool_edit_question_move"),
    path("tools/<slug:key>/change/review", edit.tool_edit_review, name="tool_edit_review"),
    path("tools/<slug:key>/change/discard", edit.tool_edit_discard, name="tool_edit_discard"),
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
