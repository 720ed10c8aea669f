"""Django admin: the Runner screen gets a "Repository access" inline that mirrors the dialog."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from integrations import services
from integrations.access_admin import IntegrationInline, callback_url_view
from integrations.connections.services import connection_verify
from integrations.connections.token_form import AdminTokenConnectionForm, token_submit
from integrations.models import Connection, ScmIntegration, SweepRun
from integrations.providers import PROVIDER_CHOICES
from integrations.submit import integration_submit
from portal.errors import ApplicationError
from portal.views.helpers import report
from runners.admin import RunnerAdmin
from runners.models import Runner


class ProviderFilter(admin.SimpleListFilter):
    title = "provider"
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        return PROVIDER_CHOICES

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(integrations__provider=self.value()).distinct()
        return queryset


admin.site.unregister(Runner)


@admin.register(Runner)
class RunnerWithAccessAdmin(RunnerAdmin):
    inlines = [*RunnerAdmin.inlines, IntegrationInline]
    list_filter = [*RunnerAdmin.list_filter, ProviderFilter]

    @method_decorator(sensitive_post_parameters())
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The repository access inline carries client secrets: keep every value off error reports.
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request, object_id: callback_url_view(self, request, object_id))
        return [path("<path:object_id>/callback-url/", view, name="runners_runner_callback_url"),
                *super().get_urls()]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, IntegrationInline):
            kwargs["form_kwargs"] = {"runner": obj if obj is not None and obj.pk else None}
        return kwargs

    def save_formset(self, request, form, formset, change):
        if formset.model is not ScmIntegration:
            return super().save_formset(request, form, formset, change)
        # The same service as the dialog: seals the secret, writes the audit trail.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms:
                if inline_form.instance.pk:
                    services.integration_delete(integration=inline_form.instance, actor=request.user)
                    formset.deleted_objects.append(inline_form.instance)
            elif inline_form.has_changed():
                is_new = inline_form.instance.pk is None
                inline_form._runner = form.instance
                check = formset.host_checks.get(inline_form.prefix)
                submitted = integration_submit(form=inline_form, actor=request.user, host_check=check)
                if submitted.host_check.warning:
                    messages.warning(request, submitted.host_check.warning)
                saved = submitted.integration
                if is_new:
                    formset.new_objects.append(saved)
                else:
                    formset.changed_objects.append((saved, inline_form.changed_data))


@admin.register(ScmIntegration)
class ScmIntegrationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "organization", "provider", "host", "oauth_enabled", "pat_enabled", "secret_set"]
    list_filter = ["provider", "oauth_enabled", "pat_enabled", "organization"]
    list_select_related = ["organization", "runner"]
    search_fields = ["host", "client_id", "runner__name", "organization__slug"]

    def has_add_permission(self, request) -> bool:
        return False  # added from the Runner screen, where the runner's key is at hand

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(boolean=True, description="secret set")
    def secret_set(self, obj: ScmIntegration) -> bool:
        return obj.client_secret_set


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["user", "integration", "method", "shared", "username", "status", "last_verified_at", "expires_at"]
    list_filter = ["status", "method", "shared", "integration__provider", "organization"]
    list_select_related = ["user", "integration", "integration__runner"]
    search_fields = ["user__email", "username", "git_author_email"]
    exclude = ["access_token_encrypted", "refresh_token_encrypted"]
    readonly_fields = [
        "organization",
        "integration",
        "user",
        "method",
        "provider_account_id",
        "username",
        "display_name",
        "git_author_name",
        "git_author_email",
        "login",
        "shared",
        "reported_kind",
        "resource",
        "granted_scopes",
        "missing_scopes",
        "warnings",
        "expires_at",
        "status",
        "last_verified_at",
        "last_error",
        "broken_notified_at",
        "verify_queued_at",
        "status_changed_at",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    actions = ["verify_now", "refresh_now"]
    change_list_template = "integrations/admin_connection_change_list.html"

    def get_urls(self):
        from integrations.health_admin import connection_health_view

        custom = [path("add-token/", self.admin_site.admin_view(self.add_token_view),
                       name="integrations_connection_add_token"),
                  path("health/", self.admin_site.admin_view(connection_health_view), name="connection_health")]
        return custom + super().get_urls()

    @method_decorator(sensitive_post_parameters("token"))
    def add_token_view(self, request):
        """Paste a token for a member: the Connections page's form and services, checked before it is stored."""
        if not request.user.is_superuser:
            raise PermissionDenied
        form = AdminTokenConnectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                connection = token_submit(form=form, actor=request.user)
            except ApplicationError as exc:
                report(request, exc, form)
            else:
                messages.success(request, f"Checked and stored {connection}.")
                return redirect("admin:integrations_connection_change", connection.pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": "Add a token connection"}
        return TemplateResponse(request, "integrations/admin_add_token.html", context)

    @admin.action(description="Verify with the provider now")
    def verify_now(self, request, queryset) -> None:
        done = failed = 0
        for connection in queryset:
            try:
                connection_verify(connection_id=connection.pk)
                done += 1
            except ApplicationError as exc:
                failed += 1
                messages.warning(request, f"{connection}: {exc.message}")
        messages.info(request, f"Verified {done} connection(s); {failed} could not be checked now.")

    @admin.action(description="Refresh now (renew each selected OAuth token through its runner)")
    def refresh_now(self, request, queryset):
        from integrations.models.connection import Method
        from integrations.tasks import connection_refresh_task

        ids = list(queryset.filter(method=Method.OAUTH).exclude(refresh_token_encrypted="")
                   .values_list("pk", flat=True))
        for connection_id in ids:
            connection_refresh_task.delay(connection_id, force=True)
        skipped = queryset.count() - len(ids)
        note = f" {skipped} without a refresh token (not OAuth, or none given) skipped." if skipped else ""
        self.message_user(request, f"Queued a refresh of {len(ids)} connection{'s' if len(ids) != 1 else ''}.{note}",
                          messages.SUCCESS if ids else messages.WARNING)


@admin.register(SweepRun)
class SweepRunAdmin(admin.ModelAdmin):
    list_display = ["kind", "started_at", "finished_at", "duration_s", "queued", "skipped", "errors"]
    list_filter = ["kind"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
