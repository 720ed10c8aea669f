from __future__ import annotations

from rest_framework import serializers

from runners.models import Runner


class RunnerSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Runner.Status.choices, read_only=True,
                                     help_text="pending (no key yet), online or offline.")
    public_key_registered = serializers.BooleanField(source="has_public_key", read_only=True)
    key_fingerprint = serializers.CharField(read_only=True,
                                            help_text="First 16 hex chars of the SHA-256 of the public key.")

    class Meta:
        model = Runner
        fields = ["id", "name", "kind", "cloud_provider", "region", "status", "public_key_registered",
                  "key_fingerprint", "key_suite", "key_registered_at", "last_seen_at", "agent_version", "hostname",
                  "created_at"]
        read_only_fields = [f for f in fields if f not in ("name", "kind", "cloud_provider", "region")]


class RunnerWriteSerializer(serializers.Serializer):
    """Shape only; the rules (region required for self-hosted, unique names) live in the model and service."""

    name = serializers.CharField(max_length=63)
    kind = serializers.ChoiceField(choices=Runner.Kind.choices)
    cloud_provider = serializers.ChoiceField(choices=Runner.CloudProvider.choices, required=False, allow_blank=True)
    region = serializers.CharField(max_length=50, required=False, allow_blank=True)


class RegistrationTokenSerializer(serializers.Serializer):
    registration_token = serializers.CharField(help_text="Shown once. Works once; expires at the time below.")
    registration_token_expires_at = serializers.DateTimeField()
    register_command = serializers.CharField()
    run_command = serializers.CharField()


class RunnerCreatedSerializer(RunnerSerializer):
    registration_token = serializers.CharField(read_only=True, help_text="Shown once.")
    registration_token_expires_at = serializers.DateTimeField(read_only=True)
    register_command = serializers.CharField(read_only=True)
    run_command = serializers.CharField(read_only=True)

    class Meta(RunnerSerializer.Meta):
        fields = [*RunnerSerializer.Meta.fields, "registration_token", "registration_token_expires_at",
                  "register_command", "run_command"]
