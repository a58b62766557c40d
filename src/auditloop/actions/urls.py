from django.urls import path

from auditloop.actions import plan_views, views

app_name = "actions"
urlpatterns = [
    path("", views.my_actions, name="my_actions"),
    path("<int:action_id>/", views.action_detail, name="action_detail"),
    path("<int:action_id>/progress", views.action_progress, name="action_progress"),
    path("<int:action_id>/sign-off-request", views.action_submit, name="action_submit"),
    path("<int:action_id>/sign-off", views.action_sign_off, name="action_sign_off"),
    path("<int:action_id>/comments", views.action_comment, name="action_comment"),
    path("plans/", plan_views.plan_list, name="plan_list"),
    path("plans/new", plan_views.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/actions/new", plan_views.plan_action_new,
         name="plan_action_new"),
    path("plans/<int:plan_id>/reviews/new", plan_views.plan_review_new,
         name="plan_review_new"),
    path("plans/<int:plan_id>/lead", plan_views.plan_lead_change, name="plan_lead_change"),
    path("plans/<int:plan_id>/close", plan_views.plan_close, name="plan_close"),
    path("findings/new", plan_views.finding_new, name="finding_new"),
    path("findings/<slug:tag>/", plan_views.finding_list, name="finding_list"),
    path("findings/<slug:tag>/export.<str:fmt>", plan_views.findings_export,
         name="findings_export"),
]
