"""Prebuild shapes for the API. Output only on the detail; never a credential (the portal keeps none)."""

from __future__ import annotations

from rest_framework import serializers

from integrations.prebuilds.models import CommitStatus, Prebuild


class CommitStatusSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True, help_text="in_progress, successful, failed or stopped")
    post_state = serializers.CharField(read_only=True, help_text="pending, posted or failed")

    class Meta:
        model = CommitStatus
        fields = ["id", "state", "description", "post_state", "attempts", "error", "created_at", "posted_at"]
        read_only_fields = fields


class PrebuildSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    # Plain strings in the schema: enums named "state" would collide with other apps' enums.
    state = serializers.CharField(read_only=True,
                                  help_text="queued, running, succeeded, failed, cancelled or superseded")
    trigger = serializers.CharField(read_only=True, help_text="push or pull_request")
    duration_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Prebuild
        fields = ["id", "project", "ref", "commit", "trigger", "pull_request_id", "state", "reason", "exit_code",
                  "attempt", "queued_at", "started_at", "finished_at", "duration_seconds", "url"]
        read_only_fields = fields

    def get_url(self, prebuild: Prebuild) -> str:
        return prebuild.get_absolute_url()


class PrebuildDetailSerializer(PrebuildSerializer):
    commit_statuses = CommitStatusSerializer(many=True, read_only=True)

    class Meta(PrebuildSerializer.Meta):
        fields = [*PrebuildSerializer.Meta.fields, "output", "output_truncated", "cancel_requested_at",
                  "commit_statuses"]
        read_only_fields = fields


class PrebuildSettingsSerializer(serializers.Serializer):
    """Documents the settings body; PrebuildSettingsForm (the project page's form) validates it."""

    prebuilds = serializers.BooleanField(help_text="Pushes and pull requests queue prebuilds.")
    prebuild_branches = serializers.CharField(allow_blank=True, help_text="Glob patterns, comma separated; empty: "
                                                                          "the default branch.")
    prebuild_pull_requests = serializers.BooleanField(help_text="Build pull requests' source commits.")
    default_branch = serializers.CharField(read_only=True)
