from django.urls import path

from facetwitch.clinic.care import views

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
    path("patients/<int:pk>/", views.patient_care, name="patient"),
    path("patients/<int:pk>/examination/", views.assessment_new, name="assessment_new"),
    path("patients/<int:pk>/plans/new/", views.plan_new, name="plan_new"),
    path("patients/<int:pk>/fhir/", views.fhir_export, name="fhir_export"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/sign/", views.plan_sign, name="plan_sign"),
    path("plans/<int:pk>/patient.pdf", views.plan_pdf_view, name="plan_pdf"),
]
