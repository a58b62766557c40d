from auditloop.insight import views

app_name = "insight"
urlpatterns = views.urlpatterns
