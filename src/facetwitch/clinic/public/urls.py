from django.urls import path

from facetwitch.clinic.public import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("learn/", views.education, name="education"),
    path("recording-guide/", views.recording_guide, name="recording_guide"),
    path("request/", views.consultation_request, name="request"),
    path("request/thanks/", views.request_thanks, name="request_thanks"),
]
