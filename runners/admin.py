"""Operators' view of runners across orgs. Hashes are never shown; the public key is read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html

from portal.errors import ApplicationError
from runners import services
from runners.models import Runner, RunnerJob, RunnerStatus
from runners.selectors import agent_commands, status_q


class RunnerStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return RunnerStatus.choices

    def queryset(self, request, queryset):
        if self.value() in RunnerStatus.values:
            return queryset.filter(status_q(self.value()))
        return queryset


class RunnerAdminForm(forms.ModelForm):
    class Meta:
        model = Runner
        fields = ["organization", "name", "kind", "cloud_provider", "region"]

    def clean(self):
        cleaned = super().clean()
        org = cleaned.get("organization") or getattr(self.instance, "organization", None)
        name = cleaned.get("name")
        if org is not None and name:
            taken = Runner.objects.filter(organization=org, name=name).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_error("name", f"There is already a runner named {name} in {org}.")
        return cleaned


@admin.register(Runner)
class RunnerAdmin(admin.ModelAdmin):
    form = RunnerAdminForm
    actions = ["generate_registration_token"]
    list_display = ["name", "organization", "kind", "region", "status_badge", "last_seen_at", "key_fingerprint"]
    list_filter = [RunnerStatusFilter, "organization", "kind", "cloud_provider"]
    list_select_related = ["organization"]
    search_fields = ["name", "organization__name", "organization__slug", "hostname", "region"]
    autocomplete_fields = ["organization"]
    exclude = ["credential_hash", "registration_token_hash"]
    readonly_fields = ["status_badge", "public_key", "key_fingerprint", "key_suite", "key_registered_at",
                       "registration_token_expires_at", "last_seen_at", "agent_version", "hostname", "created_by",
                       "created_at"]
    fieldsets = (
        (None, {"fields": ("organization", "name", "kind", "cloud_provider", "region")}),
        ("Agent", {"fields": ("status_badge", "last_seen_at", "agent_version", "hostname",
                              "registration_token_expires_at")}),
        ("Key", {"fields": ("key_fingerprint", "key_suite", "key_registered_at", "public_key")}),
        ("History", {"fields": ("created_by", "created_at")}),
    )

    @admin.display(description="status")
    def status_badge(self, obj: Runner) -> str:
        return format_html('<span class="runner-status runner-status-{}">{}</span>', obj.status,
                           obj.get_status_display())

    @admin.display(description="key fingerprint")
    def key_fingerprint(self, obj: Runner) -> str:
        return obj.key_fingerprint or "—"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A runner's org is fixed once it exists: its sealed secrets are bound to it.
        return [*fields, "organization"] if obj is not None else fields

    def save_model(self, request, obj: Runner, form, change: bool) -> None:
        # Through the services, so the admin writes the same audit events with the same rules as the web UI.
        try:
            if change:
                fresh = Runner.objects.select_related("organization").get(pk=obj.pk)
                services.runner_update(runner=fresh, actor=request.user,
                                       **{f: getattr(obj, f) for f in services.EDITABLE_FIELDS})
            else:
                runner, _token = services.runner_create(
                    org=obj.organization, actor=request.user,
                    **{f: getattr(obj, f) for f in services.EDITABLE_FIELDS})
                obj.pk = runner.pk
                # Tokens are shown in a page, never in a message (messages may travel in a cookie).
                messages.info(request, f"Use the action \u201cGenerate a registration token\u201d to register "
                                       f"{runner.name}'s agent.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
            raise

    @admin.action(description="Generate a registration token", permissions=["change"])
    def generate_registration_token(self, request, queryset):
        runners = list(queryset.select_related("organization")[:20])
        rows = []
        for runner in runners:
            token = services.runner_registration_token_regenerate(runner=runner, actor=request.user)
            rows.append({"runner": runner, "token": token, "commands": agent_commands(token)})
        context = {**self.admin_site.each_context(request), "title": "Registration tokens", "rows": rows,
                   "opts": self.model._meta}
        response = TemplateResponse(request, "runners/admin_registration_tokens.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def delete_model(self, request, obj: Runner) -> None:
        services.runner_delete(runner=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for runner in queryset.select_related("organization"):
            services.runner_delete(runner=runner, actor=request.user)


@admin.register(RunnerJob)
class RunnerJobAdmin(admin.ModelAdmin):
    """Read-only: which work went to which runner and how it ended. Payloads and results are never shown."""

    list_display = ["id", "kind", "runner", "state", "created_at", "claimed_at", "finished_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["runner", "runner__organization"]
    search_fields = ["runner__name", "kind"]
    date_hierarchy = "created_at"
    fields = ["runner", "kind", "state", "error", "created_at", "claimed_at", "finished_at", "expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
