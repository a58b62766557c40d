"""The voice app's URLs."""

from django.urls import URLPattern, path

from auditloop.voice import views

app_name = "voice"
urlpatterns: list[URLPattern] = [
    path("complaints-and-compliments/", views.complaint_list, name="complaint_list"),
    path("complaints-and-compliments/new/", views.complaint_new, name="complaint_new"),
    path("complaints-and-compliments/<int:entry_id>/", views.complaint_detail,
         name="complaint_detail"),
    path("complaints-and-compliments/<int:entry_id>/outcome/", views.complaint_outcome,
         name="complaint_outcome"),
]
urlpatterns += [
    path("question-sets/", views.question_set_list, name="question_set_list"),
    path("question-sets/<slug:key>/", views.question_set_detail, name="question_set_detail"),
]
urlpatterns += [
    path("cases/<int:case_id>/feedback/", views.case_feedback, name="case_feedback"),
    path("cases/<int:case_id>/feedback/<slug:key>/", views.case_feedback_record,
         name="case_feedback_record"),
    # The family's one-time link: open without signing in (people.middleware.OPEN_PREFIXES).
    path("feedback/<str:token>/", views.feedback, name="feedback"),
]
urlpatterns += [
    path("feedback-summary/", views.feedback_summary, name="feedback_summary"),
]
urlpatterns += [
    path("calls/", views.calls, name="calls"),
    path("calls/<int:selection_id>/", views.call_detail, name="call_detail"),
]
