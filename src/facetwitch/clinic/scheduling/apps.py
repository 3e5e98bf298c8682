from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "facetwitch.clinic.scheduling"
    label = "scheduling"
