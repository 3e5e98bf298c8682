from django.contrib import admin
from django.urls import include, path, register_converter

from facetwitch.clinic.converters import RecordId

# <id:pk> in every app's URLs: ids of at most 18 digits (a longer one is a 404, not a database overflow).
register_converter(RecordId, "id")

urlpatterns = [
    path("", include("facetwitch.clinic.public.urls")),
    path("accounts/", include("facetwitch.clinic.accounts.urls")),
    path("clinic/", include("facetwitch.clinic.patients.urls")),
    path("clinic/recordings/", include("facetwitch.clinic.recordings.urls")),
    path("clinic/treatments/", include("facetwitch.clinic.treatments.urls")),
    path("clinic/scheduling/", include("facetwitch.clinic.scheduling.urls")),
    path("clinic/care/", include("facetwitch.clinic.care.urls")),
    path("clinic/capture/", include("facetwitch.clinic.capture.urls")),
    # Patients' personal links (home recording, biofeedback): no login, a hashed expiring token.
    path("home/", include("facetwitch.clinic.capture.home_urls")),
    path("admin/", admin.site.urls),
]
