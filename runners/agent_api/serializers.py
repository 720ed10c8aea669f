from __future__ import annotations

from rest_framework import serializers


def _opens_suites():
    return serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=16, required=False,
        help_text="The sealing suites this agent can open. Agents that leave it out receive only the suite of "
                  "the key they registered.")


class KeysSerializer(serializers.Serializer):
    public_key = serializers.CharField(max_length=200, help_text="Base64 of the raw 32-byte X25519 public key.")
    suite = serializers.CharField(max_length=64)
    hybrid_public_key = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="",
        help_text="Optional post-quantum hybrid key: base64 of the raw ML-KEM-768 encapsulation key (1184 bytes) "
                  "followed by the raw X25519 key (32 bytes). The portal then seals with it.")
    hybrid_suite = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    opens_suites = _opens_suites()


class RegisterSerializer(KeysSerializer):
    registration_token = serializers.CharField(max_length=200)
    agent_version = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    hostname = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class RegisteredSerializer(serializers.Serializer):
    runner_id = serializers.IntegerField()
    runner_name = serializers.CharField()
    organization = serializers.CharField(help_text="The organization's slug.")
    credential = serializers.CharField(help_text="Shown once: keep it in the agent's state directory.")
    portal = serializers.CharField(help_text="The portal's base URL.")
    key_fingerprint = serializers.CharField()
    hybrid_key_fingerprint = serializers.CharField(allow_blank=True)
    long_poll_seconds = serializers.FloatField()


class RotateKeySerializer(KeysSerializer):
    pass


class HeartbeatSerializer(serializers.Serializer):
    agent_version = serializers.CharField(max_length=40, required=False, allow_blank=True)
    opens_suites = _opens_suites()


class AgentRunnerSerializer(serializers.Serializer):
    runner_id = serializers.IntegerField(source="pk")
    runner_name = serializers.CharField(source="name")
    organization = serializers.CharField(source="organization.slug")
    status = serializers.CharField()
    key_fingerprint = serializers.CharField()
    key_suite = serializers.CharField()
    hybrid_key_fingerprint = serializers.CharField()
    hybrid_key_suite = serializers.CharField()
    last_seen_at = serializers.DateTimeField(allow_null=True)


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    payload = serializers.DictField()
    expires_at = serializers.DateTimeField()


class JobResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    result = serializers.DictField(required=False)
    error = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    def validate(self, attrs):
        if attrs["ok"] and "result" not in attrs:
            raise serializers.ValidationError({"result": "Send the result when ok is true."})
        if not attrs["ok"] and not attrs.get("error"):
            raise serializers.ValidationError({"error": "Say what went wrong when ok is false."})
        return attrs
