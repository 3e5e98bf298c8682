from django.urls import path

from facetwitch.clinic.recordings import views

app_name = "recordings"
urlpatterns = [
    path("", views.index, name="index"),
    path("patient/<id:patient_id>/upload/", views.upload, name="upload"),
    path("patient/<id:patient_id>/outcomes/", views.outcome_timeline, name="outcomes"),
    path("patient/<id:patient_id>/compare/", views.compare, name="compare"),
    path("patient/<id:patient_id>/<id:pk>/", views.detail, name="detail"),
    path("patient/<id:patient_id>/<id:pk>/status/", views.status, name="status"),
    path("patient/<id:patient_id>/<id:pk>/retry/", views.retry, name="retry"),
    path("patient/<id:patient_id>/<id:pk>/new-visit/", views.new_visit, name="new_visit"),
    path("patient/<id:patient_id>/<id:pk>/correct/", views.correct, name="correct"),
    path("patient/<id:patient_id>/<id:pk>/video/", views.video, name="video"),
    path("patient/<id:patient_id>/<id:pk>/report/", views.report, name="report"),
    path("patient/<id:patient_id>/<id:pk>/files/<str:name>", views.download, name="download"),
]
