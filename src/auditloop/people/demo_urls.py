from django.urls import path

from auditloop.people import demo

app_name = "demo"
urlpatterns = [
    path("", demo.choose, name="choose"),
    path("sign-in/<str:username>", demo.sign_in, name="sign_in"),
]
