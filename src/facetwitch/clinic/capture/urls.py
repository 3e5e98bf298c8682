from django.urls import path

from facetwitch.clinic.capture import views

app_name = "capture"
urlpatterns = [
    path("live/", views.live, name="live"),
    path("model/face_landmarker.task", views.model_file, name="model"),
    path("patient/<int:patient_id>/record/", views.record, name="record"),
    path("patient/<int:patient_id>/uploads/", views.upload_start, name="upload_start"),
    path("patient/<int:patient_id>/uploads/<uuid:upload_id>/", views.upload_chunk, name="upload_chunk"),
    path("patient/<int:patient_id>/links/", views.home_links, name="links"),
    path("patient/<int:patient_id>/links/<int:link_id>/revoke/", views.link_revoke, name="link_revoke"),
    path("patient/<int:patient_id>/biofeedback/", views.programmes, name="programmes"),
    path(
        "patient/<int:patient_id>/biofeedback/<int:programme_id>/stop/",
        views.programme_stop,
        name="programme_stop",
    ),
    path("patient/<int:patient_id>/biofeedback/<int:programme_id>/train/", views.train, name="train"),
    path(
        "patient/<int:patient_id>/biofeedback/<int:programme_id>/sessions/",
        views.session_store,
        name="session_store",
    ),
    path("patient/<int:patient_id>/sessions/<int:session_id>/", views.session_detail, name="session"),
]
