"""The Runner admin's "Repository access" inline: the dialog's form (`ScmIntegrationForm`) shown the way the
dialog shows it. One line about the secret, the required scopes apart from the optional ones, only the
chosen provider's scopes, and the callback URL before saving (the same derived URL the dialog shows).
admin-repository-access.js narrows a new row to its provider as it is chosen; without it every provider's
lines show, each named."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from integrations.forms import ScmIntegrationForm
from integrations.host_check import HostCheck, host_check_for_form
from integrations.models import ScmIntegration
from integrations.models.integration import SecretState
from integrations.providers import PROVIDERS
from runners.models import Runner

CHOOSE_FIRST = "Choose a provider first."


class IntegrationFormSet(BaseInlineFormSet):
    """Runs the host check for every added or changed row while the admin validates, so a refusal
    shows on its row like any other error (the admin saves only once everything is valid)."""

    def clean(self) -> None:
        super().clean()
        self.host_checks: dict[str, HostCheck] = {}
        for form in self.forms:
            if not form.is_valid() or not form.has_changed() or form in self.deleted_forms:
                continue
            check = host_check_for_form(form)
            for field, message in check.refusals.items():
                form.add_error(field, message)
            self.host_checks[form.prefix] = check


class ScopesByProviderWidget(forms.CheckboxSelectMultiple):
    """Checkboxes grouped by provider, each carrying its provider's id for the script to filter on."""

    def __init__(self, *args, group_ids: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.group_ids = group_ids

    def optgroups(self, name, value, attrs=None):
        groups = super().optgroups(name, value, attrs)
        for group, options, _index in groups:
            for option in options:
                option["attrs"]["data-provider"] = self.group_ids.get(group, "")
        return groups


def secret_line(integration: ScmIntegration) -> str:
    """The one line about the client secret: its state and what leaving the field empty does."""
    state = integration.secret_state if integration.pk else None
    if state == SecretState.SET:
        return "Set. Leave empty to keep it, or enter a new one to replace it. It is never shown."
    if state == SecretState.NEEDS_REENTRY:
        return "Needs re-entry: the runner cannot open the secret sealed for it. Enter it again."
    if state == SecretState.NOT_NEEDED:
        return "Not needed while OAuth is off."
    if state == SecretState.MISSING:
        return "Not set. Enter it to let users connect with OAuth."
    return "Sealed to the runner's key when saved; never shown again."


class AdminScmIntegrationForm(ScmIntegrationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        secret = self.fields["client_secret"]
        if not secret.disabled:  # the form's own note explains a runner that has not registered
            secret.help_text = secret_line(self.instance)
        scopes = self.fields["optional_scopes"]
        if not self.instance.pk:
            # As in the dialog, a new row starts with no provider (not silently the first one listed).
            self.fields["provider"].choices = [("", "Choose a provider"), *self.fields["provider"].choices]
            self.fields["provider"].widget.choices = self.fields["provider"].choices
        if self.spec is None:
            # A new row before a provider is chosen: every provider's optional scopes, under its name.
            with_optional = [p.spec for p in PROVIDERS.values() if p.spec.optional_scopes()]
            scopes.widget = ScopesByProviderWidget(group_ids={spec.name: spec.id for spec in with_optional})
            scopes.choices = [(spec.name, [(s.name, f"{s.name}: {s.reason}") for s in spec.optional_scopes()])
                              for spec in with_optional]
            self.fields["client_id"].label = "Client ID"
            scopes.help_text = "Only the chosen provider's apply."
        elif not self.spec.optional_scopes():
            scopes.help_text = f"{self.spec.name} has no optional scopes."


def _by_provider(lines: list[tuple[str, str]], *, empty: str) -> str:
    """One line per provider (id, html), tagged for the script; a note shown while none is chosen."""
    return format_html('<div class="choose-provider-first">{}</div>{}', empty, format_html_join(
        "", '<div class="per-provider" data-provider="{}" data-name="{}">{}</div>',
        ((pid, PROVIDERS[pid].spec.name, html) for pid, html in lines)))


def _required_scopes_html(spec) -> str:
    return format_html_join(mark_safe("<br>"), "<code>{}</code> — {}",  # noqa: S308 (a literal tag)
                            ((s.name, s.reason) for s in spec.scopes if s.required))


class IntegrationInline(admin.StackedInline):
    model = ScmIntegration
    form = AdminScmIntegrationForm
    formset = IntegrationFormSet
    extra = 0
    verbose_name = "Repository access"
    verbose_name_plural = "Repository access"
    fields = [
        "provider",
        "host",
        "oauth_enabled",
        "pat_enabled",
        "options_display",
        "callback_url_display",
        "scopes_display",
        "optional_scopes",
        "client_id",
        "client_secret",
        "server_version",
    ]
    readonly_fields = ["options_display", "callback_url_display", "scopes_display", "server_version"]

    class Media:
        js = ["js/admin-repository-access.js"]

    def get_formset(self, request, obj=None, **kwargs):
        # The "Add another" template row's instance has no runner; the callback URL needs this one.
        # (The admin makes inline instances per request, so this is the page's runner.)
        self.parent_runner = obj if obj is not None and obj.pk else None
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="Provider settings")
    def options_display(self, obj: ScmIntegration) -> str:
        # Declared per provider (an Azure DevOps organization, a Bitbucket Cloud workspace): the dialog and the
        # API change them; a row saved here keeps them.
        if not obj.pk:
            return "Set in the dialog or the API."
        fields = obj.scm_provider.option_fields
        if not fields:
            return "-"
        return format_html_join(", ", "{}: {}", ((f.label, (obj.options or {}).get(f.key) or "—") for f in fields))

    @admin.display(description="Callback URL")
    def callback_url_display(self, obj: ScmIntegration) -> str:
        if obj.pk:
            return format_html('<code class="callback-url">{}</code>', obj.callback_url)
        runner = obj.runner if obj.runner_id else getattr(self, "parent_runner", None)
        if runner is None:
            return "Save the runner first: the URL is derived from the runner, the provider and the host."
        # Derived, never stored: the URL this row will have once saved, as the dialog shows it.
        from integrations.views.integrations import preview_callback_url

        lines = []
        for provider_id, provider in PROVIDERS.items():
            url = preview_callback_url(runner, provider_id, "")
            lines.append((provider_id, format_html('<code class="callback-url">{}</code>', url) if url else
                          format_html("Enter the {}: the URL for it shows here.", provider.spec.host_label.lower())))
        return _by_provider([(pid, format_html("{}: {}", PROVIDERS[pid].spec.name, html)) for pid, html in lines],
                            empty=CHOOSE_FIRST)

    @admin.display(description="Required scopes")
    def scopes_display(self, obj: ScmIntegration) -> str:
        if obj.pk:
            return _required_scopes_html(obj.spec)
        return _by_provider([(pid, format_html("{}:<br>{}", p.spec.name, _required_scopes_html(p.spec)))
                             for pid, p in PROVIDERS.items()], empty=CHOOSE_FIRST)


def callback_url_view(model_admin, request, object_id: str):
    """The callback URL a new row of this runner will have for a provider and host (the admin's script
    asks as they are typed); "" while the host is not known yet. Nothing is written."""
    runner = get_object_or_404(Runner, pk=object_id) if str(object_id).isdigit() else None
    if runner is None or not model_admin.has_change_permission(request, runner):
        raise Http404
    from integrations.views.integrations import preview_callback_url

    provider = request.GET.get("provider", "")[:64]
    host = request.GET.get("host", "")[:300]
    return JsonResponse({"callback_url": preview_callback_url(runner, provider, host) if provider in PROVIDERS
                         else ""})
