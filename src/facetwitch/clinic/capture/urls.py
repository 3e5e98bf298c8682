from django.urls import path

from facetwitch.clinic.capture import views

app_name = "capture"
urlpatterns = [
    path("live/", views.live, name="live"),
    path("model/face_landmarker.task", views.model_file, name="model"),
    path("patient/<id:patient_id>/record/", views.record, name="record"),
    path("patient/<id:patient_id>/uploads/", views.upload_start, name="upload_start"),
    path("patient/<id:patient_id>/uploads/<uuid:upload_id>/", views.upload_chunk, name="upload_chunk"),
    path("patient/<id:patient_id>/links/", views.home_links, name="links"),
    path("patient/<id:patient_id>/links/<id:link_id>/revoke/", views.link_revoke, name="link_revoke"),
    path("patient/<id:patient_id>/biofeedback/", views.programmes, name="programmes"),
    path(
        "patient/<id:patient_id>/biofeedback/<id:programme_id>/stop/",
        views.programme_stop,
        name="programme_stop",
    ),
    path("patient/<id:patient_id>/biofeedback/<id:programme_id>/train/", views.train, name="train"),
    path(
        "patient/<id:patient_id>/biofeedback/<id:programme_id>/sessions/",
        views.session_store,
        name="session_store",
    ),
    path("patient/<id:patient_id>/sessions/<id:session_id>/", views.session_detail, name="session"),
]
