from django.urls import path

from facetwitch.clinic.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("patients/new/", views.patient_create, name="create"),
    path("patients/<id:pk>/", views.patient_detail, name="detail"),
    path("patients/<id:pk>/edit/", views.patient_edit, name="edit"),
    path("patients/<id:pk>/visits/new/", views.visit_create, name="visit_create"),
    path("patients/<id:pk>/visits/<id:visit_pk>/edit/", views.visit_edit, name="visit_edit"),
]
