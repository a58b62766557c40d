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
    path("plans/<int:plan_id>/", plan_views.plan_detail, name="plan_detail"),
]
