"""The patient's personal link: no login, the token in the path (hashed in the database)."""

from django.urls import path

from facetwitch.clinic.capture import views

app_name = "capture_home"
urlpatterns = [
    path("<str:token>/", views.home, name="home"),
    path("<str:token>/record/", views.home_record, name="record"),
    path("<str:token>/uploads/", views.home_upload_start, name="upload_start"),
    path("<str:token>/uploads/<uuid:upload_id>/", views.home_upload_chunk, name="upload_chunk"),
    path("<str:token>/train/<id:programme_id>/", views.home_train, name="train"),
    path("<str:token>/train/<id:programme_id>/sessions/", views.home_session_store, name="session_store"),
    path("<str:token>/face_landmarker.task", views.home_model, name="model"),
]
