"""Project and delivery shapes for the API. Reads never include the webhook secret or delivery bodies."""

from __future__ import annotations

from rest_framework import serializers

from integrations.projects.models import Project, WebhookDelivery


class WebhookSerializer(serializers.Serializer):
    state = serializers.CharField(source="webhook_state")
    error = serializers.CharField(source="webhook_error")
    hook_id = serializers.CharField(source="webhook_id")
    events = serializers.ListField(source="webhook_events", child=serializers.CharField())
    receiver_url = serializers.CharField()
    installed_at = serializers.DateTimeField(source="webhook_installed_at", allow_null=True)
    checked_at = serializers.DateTimeField(source="webhook_checked_at", allow_null=True)
    refused_deliveries = serializers.IntegerField()


class LastPushSerializer(serializers.Serializer):
    ref = serializers.CharField(source="last_push_ref")
    commit = serializers.CharField(source="last_push_commit")
    at = serializers.DateTimeField(source="last_push_at")


class ProjectSerializer(serializers.ModelSerializer):
    provider = serializers.CharField(source="integration.provider", read_only=True)
    runner = serializers.IntegerField(source="runner_id", read_only=True)
    connection = serializers.IntegerField(source="connection_id", read_only=True, allow_null=True)
    webhook = serializers.SerializerMethodField()
    last_push = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["id", "uuid", "name", "repository", "provider", "runner", "connection", "web_url", "prebuilds",
                  "webhook", "last_push", "created_at", "updated_at"]
        read_only_fields = fields

    def get_webhook(self, project: Project) -> dict:
        return WebhookSerializer(project).data

    def get_last_push(self, project: Project) -> dict | None:
        return LastPushSerializer(project).data if project.last_push_at else None


class ProjectCreateSerializer(serializers.Serializer):
    """Documents the create body; ProjectCreateForm (the picker's form) validates it."""

    runner = serializers.IntegerField(required=False, help_text="Optional: must be the connection's runner.")
    connection = serializers.IntegerField(help_text="One of your own Bitbucket connections in this org.")
    repository = serializers.CharField(help_text='"<workspace>/<slug>" (Cloud), "<PROJECTKEY>/<slug>" or '
                                                 '"~<user>/<slug>" (Server)')
    prebuilds = serializers.BooleanField(required=False, default=True)


class ProjectUpdateSerializer(serializers.Serializer):
    prebuilds = serializers.BooleanField()


class DeliverySerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    # A plain string in the schema: an enum here would collide with the runners' "status" enum name.
    status = serializers.CharField(read_only=True, help_text="received, processing, processed, ignored or failed")

    class Meta:
        model = WebhookDelivery
        fields = ["id", "project", "delivery_id", "event_key", "kind", "summary", "signature_ok", "status",
                  "result", "error", "received_at", "processed_at", "processing_ms", "attempts", "runs",
                  "redelivered_at"]
        read_only_fields = fields
