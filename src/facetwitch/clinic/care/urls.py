from django.urls import path

from facetwitch.clinic.care import views

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
    path("patients/<id:pk>/", views.patient_care, name="patient"),
    path("patients/<id:pk>/examination/", views.assessment_new, name="assessment_new"),
    path("patients/<id:pk>/plans/new/", views.plan_new, name="plan_new"),
    path("patients/<id:pk>/fhir/", views.fhir_export, name="fhir_export"),
    path("plans/<id:pk>/", views.plan_detail, name="plan"),
    path("plans/<id:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<id:pk>/sign/", views.plan_sign, name="plan_sign"),
    path("plans/<id:pk>/patient.pdf", views.plan_pdf_view, name="plan_pdf"),
]
