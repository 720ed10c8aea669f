from __future__ import annotations

from rest_framework import serializers

from integrations.models import ScmIntegration
from integrations.providers import PROVIDER_CHOICES


class ScopeSerializer(serializers.Serializer):
    name = serializers.CharField()
    reason = serializers.CharField()
    required = serializers.BooleanField()


class IntegrationSerializer(serializers.ModelSerializer):
    client_secret_set = serializers.BooleanField(read_only=True)
    secret_state = serializers.CharField(read_only=True)
    callback_url = serializers.CharField(read_only=True)
    scopes = serializers.SerializerMethodField()
    runner = serializers.IntegerField(source="runner_id", read_only=True)

    class Meta:
        model = ScmIntegration
        fields = [
            "id",
            "runner",
            "provider",
            "host",
            "oauth_enabled",
            "pat_enabled",
            "client_id",
            "client_secret_set",
            "secret_state",
            "callback_url",
            "scopes",
            "optional_scopes",
            "server_version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @staticmethod
    def _scope_list(integration: ScmIntegration) -> list[dict]:
        chosen = set(integration.optional_scopes or [])
        return [
            {"name": s.name, "reason": s.reason, "required": s.required}
            for s in integration.spec.scopes
            if s.required or s.name in chosen
        ]

    def get_scopes(self, integration: ScmIntegration) -> list[dict]:
        return ScopeSerializer(self._scope_list(integration), many=True).data


class IntegrationWriteSerializer(serializers.Serializer):
    """Documents the write shape; validation itself is the dialog's form (one set of rules)."""

    provider = serializers.ChoiceField(choices=PROVIDER_CHOICES, help_text="Fixed after creation.")
    host = serializers.CharField(
        required=False, allow_blank=True, help_text="Base URL; required for bitbucket-server, optional for gitlab."
    )
    oauth_enabled = serializers.BooleanField(required=False)
    pat_enabled = serializers.BooleanField(required=False)
    client_id = serializers.CharField(required=False, allow_blank=True)
    client_secret = serializers.CharField(
        required=False,
        write_only=True,
        allow_blank=True,
        help_text="Write-only; sealed to the runner's key. Reads show client_secret_set.",
    )
    optional_scopes = serializers.ListField(child=serializers.CharField(), required=False)


class IntegrationReplaceSerializer(IntegrationWriteSerializer):
    """PUT replaces the whole setting: what is left out goes back to its default (the secret excepted:
    it is write-only and stays until a new one is sent). PATCH changes only what it sends."""

    oauth_enabled = serializers.BooleanField()
    pat_enabled = serializers.BooleanField()
