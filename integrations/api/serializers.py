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
    secret_suite = serializers.CharField(source="sealed_suite", read_only=True,
                                         help_text="The suite the stored secret is sealed with (\"\" when none).")
    integration_key = serializers.CharField(source="oauth_key", read_only=True,
                                            help_text="What a caller-sealed secret is bound to (in `info`).")
    callback_url = serializers.CharField(read_only=True)
    scopes = serializers.SerializerMethodField()
    runner = serializers.IntegerField(source="runner_id", read_only=True)
    workspace = serializers.SerializerMethodField(help_text="Deprecated: `options.workspace` (Bitbucket Cloud: the "
                                                            "workspace it is limited to), or empty.")

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
            "secret_suite",
            "integration_key",
            "callback_url",
            "scopes",
            "optional_scopes",
            "options",
            "server_version",
            "workspace",
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

    def get_workspace(self, integration: ScmIntegration) -> str:
        return str((integration.options or {}).get("workspace") or "")

    def get_scopes(self, integration: ScmIntegration) -> list[dict]:
        return ScopeSerializer(self._scope_list(integration), many=True).data


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false only: "yes", 1 or "on" are not booleans in a JSON API."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictCharField(serializers.CharField):
    """JSON strings only: a number is not silently turned into one."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IntegrationWriteSerializer(serializers.Serializer):
    """Repository access to create or change. The same rules apply as in the dialog and the admin
    (host, scopes, secrets); unknown fields and wrong JSON types are refused by name."""

    default_error_messages = {"unknown_field": "Unknown field."}

    provider = serializers.ChoiceField(choices=PROVIDER_CHOICES, help_text="Fixed after creation.")
    host = StrictCharField(
        required=False, allow_blank=True, max_length=255,
        help_text="Base URL with any context path; required for bitbucket-server, optional for gitlab.",
    )
    oauth_enabled = StrictBooleanField(required=False, help_text="Users connect by OAuth. Default true on create.")
    pat_enabled = StrictBooleanField(
        required=False, help_text="Users connect with personal access tokens. Default true on create."
    )
    client_id = StrictCharField(required=False, allow_blank=True, max_length=255,
                                help_text="The OAuth app's client ID (Bitbucket: Key).")
    client_secret = StrictCharField(
        required=False,
        write_only=True,
        allow_blank=True,
        max_length=1024,
        trim_whitespace=False,
        help_text="Write-only; sealed to the runner's key. Reads show client_secret_set.",
    )
    client_secret_sealed = StrictCharField(
        required=False,
        write_only=True,
        allow_blank=True,
        max_length=16384,
        help_text="Instead of client_secret: the secret sealed by the caller to the runner's key, base64 of the "
                  "HPKE encapsulated key followed by the ciphertext, with `info` b\"scm-portal/v2 runner=<id> "
                  "integration-key=<key>\" (`python -m runners.agent seal` does it). Needs `suite`. Sending it "
                  "together with client_secret is refused.",
    )
    suite = StrictCharField(
        required=False, write_only=True, allow_blank=True, max_length=64,
        help_text="The suite client_secret_sealed was sealed with: X25519-HKDF-SHA256-AES128GCM, "
                  "X25519-HKDF-SHA256-CHACHA20POLY1305 or MLKEM768X25519-HKDF-SHA256-CHACHA20POLY1305 (when the "
                  "runner has a hybrid key).",
    )
    optional_scopes = serializers.ListField(
        child=StrictCharField(), required=False, help_text="Optional scopes to request, by name."
    )
    options = serializers.DictField(
        child=StrictCharField(allow_blank=True, max_length=255), required=False,
        help_text="The provider's own settings, by key: azure-devops `organization` and `tenant`, "
                  "bitbucket-cloud `workspace`. Errors name them `options.<key>`.",
    )
    workspace = StrictCharField(required=False, allow_blank=True, max_length=62,
                                help_text="Deprecated: send `options.workspace` (bitbucket-cloud: limit the shared "
                                          "credential and the repository picker to this workspace slug; empty for "
                                          "every workspace). Still accepted; errors name `options.workspace`.")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [self.error_messages["unknown_field"]] for name in unknown})
        return super().to_internal_value(data)


_REPLACE_REQUIRED = {"required": "This field is required: PUT replaces the whole setting (PATCH changes some fields)."}


class IntegrationReplaceSerializer(IntegrationWriteSerializer):
    """PUT replaces the whole setting: what is left out goes back to its default (the secret excepted:
    it is write-only and stays until a new one is sent). PATCH changes only what it sends."""

    provider = serializers.ChoiceField(choices=PROVIDER_CHOICES, error_messages=_REPLACE_REQUIRED,
                                       help_text="The saved provider: a PUT cannot change it.")
    oauth_enabled = StrictBooleanField(error_messages=_REPLACE_REQUIRED, help_text="Users connect by OAuth.")
    pat_enabled = StrictBooleanField(error_messages=_REPLACE_REQUIRED,
                                     help_text="Users connect with personal access tokens.")


class SealContextSerializer(serializers.Serializer):
    suite = serializers.CharField(help_text="Seal with this suite and name it beside the blob.")
    public_key = serializers.CharField(help_text="Base64 of the runner's raw public key for that suite.")
    key_fingerprint = serializers.CharField()
    info = serializers.CharField(help_text="The HPKE `info`, ASCII: binds runner and integration.")
    token_url = serializers.CharField(help_text="Seal it beside the secret: the only URL the agent sends it to.")
    client_auth = serializers.CharField(help_text="basic or post: seal it beside the secret.")
