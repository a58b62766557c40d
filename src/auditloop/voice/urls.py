"""The voice app's URLs."""

from django.urls import URLPattern, path

from auditloop.voice import survey_views, theme_views, views

app_name = "voice"
urlpatterns: list[URLPattern] = [
    path("complaints-and-compliments/", views.complaint_list, name="complaint_list"),
    path("complaints-and-compliments/new/", views.complaint_new, name="complaint_new"),
    path("complaints-and-compliments/<int:entry_id>/", views.complaint_detail,
         name="complaint_detail"),
    path("complaints-and-compliments/<int:entry_id>/outcome/", views.complaint_outcome,
         name="complaint_outcome"),
]
urlpatterns += [  # complaint themes, each may propose a themed audit (programme.proposals)
    path("complaints-and-compliments/themes/", theme_views.complaint_themes,
         name="complaint_themes"),
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
    # A letter's short code, typed in by the family (open too: it is under /voice/feedback/).
    path("feedback/", views.feedback_code, name="feedback_code"),
]
urlpatterns += [  # families' feedback when a case closes, and 000's closure form
    path("closures/", views.closures_waiting, name="closures_waiting"),
    path("closures/<int:due_id>/", views.closure_invite, name="closure_invite"),
    path("closures/<int:due_id>/letter.pdf", views.closure_letter_pdf,
         name="closure_letter_pdf"),
    path("cases/<int:case_id>/closure-form/", views.closure_forms, name="closure_forms"),
    path("cases/<int:case_id>/closure-form/new/", views.closure_form_new,
         name="closure_form_new"),
    path("cases/<int:case_id>/closure-form/<int:form_id>/", views.closure_form_detail,
         name="closure_form_detail"),
]
urlpatterns += [
    path("feedback-summary/", views.feedback_summary, name="feedback_summary"),
]
urlpatterns += [
    path("calls/", views.calls, name="calls"),
    path("calls/<int:selection_id>/", views.call_detail, name="call_detail"),
]
urlpatterns += [  # staff surveys and feedback on the audit process (002)
    path("surveys/", survey_views.survey_list, name="survey_list"),
    path("surveys/new/", survey_views.survey_new, name="survey_new"),
    path("surveys/yours/", survey_views.my_surveys, name="my_surveys"),
    path("surveys/<int:survey_id>/", survey_views.survey_results, name="survey_results"),
    path("surveys/<int:survey_id>/answer/", survey_views.survey_answer, name="survey_answer"),
    path("audit-feedback/", survey_views.audit_feedback_results,
         name="audit_feedback_results"),
    path("audit-feedback/<int:audit_id>/", survey_views.audit_feedback, name="audit_feedback"),
]
