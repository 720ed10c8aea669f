"""Django admin for operators: prebuilds across orgs (filter by state, provider, org), their statuses, and
Cancel / Re-run through the same services as the pages. Output is shown; nothing here holds a secret."""

from __future__ import annotations

from django.contrib import admin, messages

from integrations.prebuilds import services
from integrations.prebuilds.models import CommitStatus, Prebuild
from portal.errors import ApplicationError


class CommitStatusInline(admin.TabularInline):
    model = CommitStatus
    extra = 0
    can_delete = False
    fields = readonly_fields = ["created_at", "state", "description", "post_state", "attempts", "error", "posted_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Prebuild)
class PrebuildAdmin(admin.ModelAdmin):
    list_display = ["queued_at", "project", "short_commit", "ref", "trigger", "state", "attempt", "runner"]
    list_filter = ["state", "trigger", "project__integration__provider", "organization"]
    list_select_related = ["project", "runner"]
    search_fields = ["commit", "ref", "project__repository", "organization__slug"]
    date_hierarchy = "queued_at"
    actions = ["cancel", "rerun"]
    inlines = [CommitStatusInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Prebuild._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # pushes and pull requests queue prebuilds

    def _each(self, request, queryset, service, done: str) -> None:
        count, refused = 0, []
        for prebuild in queryset.select_related("project__runner", "organization"):
            try:
                service(prebuild=prebuild, actor=request.user)
                count += 1
            except ApplicationError as exc:
                refused.append(f"#{prebuild.pk}: {exc.message}")
        self.message_user(request, f"{done} {count} prebuild{'s' if count != 1 else ''}.", messages.SUCCESS)
        for message in refused[:10]:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description="Cancel (queued at once, running at the agent's next report)")
    def cancel(self, request, queryset) -> None:
        self._each(request, queryset, services.prebuild_cancel, "Cancelled")

    @admin.action(description="Re-run")
    def rerun(self, request, queryset) -> None:
        self._each(request, queryset, services.prebuild_rerun, "Queued again")
