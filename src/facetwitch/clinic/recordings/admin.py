"""Read-only admin view of recordings (the clinic pages are the place to work with them)."""

from django.contrib import admin

from facetwitch.clinic.accounts.admin import AuditedAdminMixin
from facetwitch.clinic.recordings.models import Recording


@admin.register(Recording)
class RecordingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("id", "patient", "recorded_on", "status", "progress", "attempts", "uploaded_at")
    list_filter = ("status",)
    search_fields = ("patient__mrn", "patient__family_name", "sha256")
    readonly_fields = [f.name for f in Recording._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
