from django.urls import path

from facetwitch.clinic.recordings import views

app_name = "recordings"
urlpatterns = [
    path("", views.index, name="index"),
    path("patient/<int:patient_id>/upload/", views.upload, name="upload"),
    path("patient/<int:patient_id>/outcomes/", views.outcome_timeline, name="outcomes"),
    path("patient/<int:patient_id>/compare/", views.compare, name="compare"),
    path("patient/<int:patient_id>/<int:pk>/", views.detail, name="detail"),
    path("patient/<int:patient_id>/<int:pk>/status/", views.status, name="status"),
    path("patient/<int:patient_id>/<int:pk>/retry/", views.retry, name="retry"),
    path("patient/<int:patient_id>/<int:pk>/video/", views.video, name="video"),
    path("patient/<int:patient_id>/<int:pk>/report/", views.report, name="report"),
    path("patient/<int:patient_id>/<int:pk>/files/<str:name>", views.download, name="download"),
]
