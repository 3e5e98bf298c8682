from django.urls import path

from facetwitch.clinic.treatments import views

app_name = "treatments"
urlpatterns = [
    path("", views.index, name="index"),
    path("patient/<id:patient_pk>/", views.patient_overview, name="patient"),
    path("patient/<id:patient_pk>/toxin/new/", views.toxin_new, name="toxin_new"),
    path("patient/<id:patient_pk>/medication/new/", views.medication_new, name="medication_new"),
    path("patient/<id:patient_pk>/<slug:kind>/new/", views.record_new, name="record_new"),
    path("toxin/<id:pk>/", views.toxin_detail, name="toxin_detail"),
    path("toxin/<id:pk>/follow-up/new/", views.followup_new, name="followup_new"),
    path("toxin/<id:pk>/edit/", views.toxin_edit, name="toxin_edit"),
    path("toxin/<id:pk>/void/", views.toxin_void, name="toxin_void"),
    path("medication/<id:pk>/", views.medication_detail, name="medication_detail"),
]
