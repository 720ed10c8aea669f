from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from portal.models import ApiToken, AuditEvent, Invitation, Membership, Organization, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_personal", "created_at"]
    list_filter = ["is_personal"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization"]
    list_select_related = ["user", "organization"]
    search_fields = ["user__email", "organization__name", "organization__slug"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "organization"]
    list_select_related = ["organization"]
    search_fields = ["email", "organization__slug"]
    exclude = ["token_hash"]
    readonly_fields = ["accepted_at", "accepted_by", "invited_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__email"]
    exclude = ["token_hash"]
    readonly_fields = ["user", "name", "hint", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False  # values are shown once, to their owner, in the web UI


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "actor_label", "action", "target_label", "change_summary"]
    list_filter = ["action", "organization"]
    list_select_related = ["organization"]
    search_fields = ["actor_label", "action", "target_label"]
    date_hierarchy = "created_at"
    readonly_fields = ["change_summary"]

    @admin.display(description="change")
    def change_summary(self, obj: AuditEvent) -> str:
        # The Activity page's reading ("OAuth: off → on"), for rows of every shape.
        from portal.audit_display import changes

        return format_html_join(mark_safe("<br>"), "{}: {}", (  # noqa: S308 (a literal tag)
            (c.label, c.after if c.before is None else c.before if c.after is None else f"{c.before} → {c.after}")
            for c in changes(obj))) or "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
