"""Django admin for operators: projects with their webhook state (filterable), Reinstall webhook, and the
delivery log with Redeliver. Both go through the same services as the web pages; nothing shows a secret."""

from __future__ import annotations

from django.contrib import admin, messages

from integrations.projects import services
from integrations.projects.models import Project, WebhookDelivery


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["repository", "organization", "provider", "runner", "webhook_state", "webhook_checked_at",
                    "refused_deliveries", "prebuilds"]
    list_filter = ["webhook_state", "integration__provider", "prebuilds", "organization"]
    list_select_related = ["organization", "runner", "integration"]
    search_fields = ["repository", "name", "organization__slug", "webhook_id"]
    actions = ["reinstall_webhook"]
    exclude = ["webhook_secret_encrypted"]
    readonly_fields = ["uuid", "organization", "runner", "integration", "connection", "name", "repository",
                       "remote_id", "web_url", "webhook_state", "webhook_error", "webhook_id", "webhook_events",
                       "webhook_installed_at", "webhook_checked_at", "refused_deliveries", "last_refused_at",
                       "last_push_ref", "last_push_commit", "last_push_at", "created_by", "created_at",
                       "receiver_url", "default_branch",
                       # Changed on the project page or the API (integrations.prebuilds), with validation and audit.
                       "prebuild_branches", "prebuild_pull_requests"]

    @admin.display(description="provider", ordering="integration__provider")
    def provider(self, obj: Project) -> str:
        return obj.integration.provider

    @admin.display(description="receiver URL")
    def receiver_url(self, obj: Project) -> str:
        return obj.receiver_url

    def has_add_permission(self, request) -> bool:
        return False  # projects are created from an org admin's own Bitbucket connection (picker or API)

    def save_model(self, request, obj, form, change) -> None:
        # Only `prebuilds` is editable here; the service writes it with an audit event.
        current = Project.objects.select_related("integration", "runner", "organization").get(pk=obj.pk)
        services.project_update(project=current, actor=request.user, prebuilds=obj.prebuilds)

    def delete_model(self, request, obj) -> None:
        services.project_delete(project=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for project in queryset.select_related("integration", "runner", "organization"):
            services.project_delete(project=project, actor=request.user)

    @admin.action(description="Reinstall webhook")
    def reinstall_webhook(self, request, queryset) -> None:
        count = 0
        for project in queryset.select_related("integration", "runner", "organization"):
            services.project_webhook_reinstall(project=project, actor=request.user)
            count += 1
        self.message_user(request, f"Reinstall queued for {count} project{'s' if count != 1 else ''}.",
                          messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["received_at", "project", "event_key", "delivery_id", "status", "processing_ms", "runs"]
    list_filter = ["status", "kind", "project__integration__provider", "organization"]
    list_select_related = ["project"]
    search_fields = ["delivery_id", "project__repository", "event_key"]
    actions = ["redeliver"]
    date_hierarchy = "received_at"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Redeliver (run processing again)")
    def redeliver(self, request, queryset) -> None:
        count = 0
        for delivery in queryset.select_related("project__organization"):
            services.webhook_delivery_redeliver(delivery=delivery, actor=request.user)
            count += 1
        self.message_user(request, f"Redelivered {count} deliver{'ies' if count != 1 else 'y'}.", messages.SUCCESS)
