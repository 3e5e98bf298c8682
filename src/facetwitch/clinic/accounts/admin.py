from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from facetwitch.clinic.accounts.audit import audit
from facetwitch.clinic.accounts.models import AuditEntry

admin.site.site_header = "facetwitch clinic administration"
admin.site.site_title = "facetwitch clinic"
admin.site.index_title = "Users and roles"


class AuditedAdminMixin:
    """Admin pages of models with a ``patient``: the list names the patients it showed, a record page its patient."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            shown = [getattr(o, "patient_id", None) for o in changelist.result_list]
            audit(request, "view", detail=f"admin list of {self.model._meta.label}", patients=shown)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id) if response.status_code == 200 else None
        if obj is not None:
            audit(request, "view", patient=getattr(obj, "patient", None), obj=obj, detail="admin page")
        return response


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditedAdminMixin, admin.ModelAdmin):
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


admin.site.unregister(User)


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    """Clinic administrators manage accounts and their roles (groups); only a superuser may create superusers
    or grant single permissions, so an administrator cannot raise anyone (themselves included) above the roles."""

    list_display = ("username", "first_name", "last_name", "email", "is_active", "roles")
    list_filter = ("is_active", "groups")

    @admin.display(description="Roles")
    def roles(self, obj) -> str:
        return ", ".join(g.name for g in obj.groups.all()) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # is_staff follows the admin role (accounts/signals.py).
            fields += ("is_staff", "is_superuser", "user_permissions", "last_login", "date_joined")
        return fields
