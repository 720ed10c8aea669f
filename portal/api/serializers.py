from __future__ import annotations

from rest_framework import serializers

from portal.models import Invitation, Membership, Organization, Role
from portal.models.tenancy import slug_validator, validate_not_reserved


class OrganizationSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(help_text="Your role in this organization.")

    class Meta:
        model = Organization
        fields = ["slug", "name", "is_personal", "created_at", "role"]
        read_only_fields = ["slug", "is_personal", "created_at", "role"]

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


class OrganizationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


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
