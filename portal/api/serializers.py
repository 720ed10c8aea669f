from __future__ import annotations

from rest_framework import serializers

from portal.models import Invitation, Membership, Organization, Role
from portal.models.tenancy import slug_validator, validate_not_reserved


class OrganizationSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in this organization.")

    class Meta:
        model = Organization
        fields = ["slug", "name", "is_personal", "require_mfa", "created_at", "role"]
        read_only_fields = ["slug", "is_personal", "require_mfa", "created_at", "role"]

    def get_role(self, org: Organization) -> str | None:
        return getattr(org, "my_role", None)


class OrganizationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    slug = serializers.CharField(max_length=50, validators=[slug_validator, validate_not_reserved])

    def validate_slug(self, value: str) -> str:
        value = value.lower()
        if Organization.objects.filter(slug=value).exists():
            raise serializers.ValidationError("That URL name is taken.")
        return value


class OptionalBooleanField(serializers.BooleanField):
    """Absent means absent, in form bodies too (DRF reads a missing box of an HTML form as false)."""

    default_empty_html = serializers.empty


class OrganizationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    require_mfa = OptionalBooleanField(
        required=False, help_text="Owners only: owners and admins must use two-factor authentication.")

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError({"name": ["Send a new name, require_mfa, or both."]})
        return attrs


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "role", "created_at"]
        read_only_fields = ["id", "email", "created_at"]


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at"]
        read_only_fields = ["id", "created_at", "expires_at"]


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)
