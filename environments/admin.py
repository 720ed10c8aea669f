from django.contrib import admin

from environments.models import EnvironmentRequest


@admin.register(EnvironmentRequest)
class EnvironmentRequestAdmin(admin.ModelAdmin):
    """Read-only for operators: requests are made by users and answered by agents, never edited by hand."""

    list_display = ("id", "organization", "user", "runner", "provider", "owner", "repo", "ref", "state", "created_at")
    list_filter = ("state", "provider")
    search_fields = ("owner", "repo", "url", "user__email")
    list_select_related = ("organization", "user", "runner")
    readonly_fields = [f.name for f in EnvironmentRequest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
