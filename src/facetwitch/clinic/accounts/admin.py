from django.contrib import admin

from facetwitch.clinic.accounts.models import AuditEntry

admin.site.site_header = "facetwitch clinic administration"
admin.site.site_title = "facetwitch clinic"
admin.site.index_title = "Users and roles"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is evidence and never edited."""

    list_display = ("at", "username", "action", "patient", "object_type", "object_id", "ip_address")
    list_filter = ("action",)
    search_fields = ("username", "patient__mrn", "object_type", "object_id")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
