"""The token connection form: the one class behind the Connections page's dialog, the admin and the API.

Validation only (no network); `token_submit` then asks the provider (`tokens.connection_create_token`)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from integrations.connections.tokens import connection_create_token
from integrations.models import Connection, ScmIntegration
from integrations.providers import PROVIDERS
from integrations.providers.protocol import TokenKind
from portal.errors import ValidationFailed

ALL_KINDS = {k.id: k for p in PROVIDERS.values() for k in p.token_kinds}
# Tokens are printable ASCII without spaces; anything else is a paste gone wrong (or worse).
_TOKEN = re.compile(r"^[\x21-\x7e]{8,2048}$")
_EMAIL = re.compile(r"^[^@\s:]{1,200}@[^@\s:]{1,200}\.[^@\s:]{1,60}$")
_LOGIN = re.compile(r"^[^\x00-\x1f\x7f:]{1,255}$")


def token_integrations(org) -> list[ScmIntegration]:
    """The org's integrations whose provider accepts pasted tokens (enabled or not: the form says which)."""
    return [i for i in ScmIntegration.objects.filter(organization=org).select_related("runner")
            if i.scm_provider.token_kinds]


class TokenConnectionForm(forms.Form):
    integration = forms.ModelChoiceField(queryset=ScmIntegration.objects.none(), label="Provider",
                                         error_messages={"invalid_choice": "Choose one of this organization's "
                                                                           "providers."})
    method = forms.ChoiceField(label="Kind of token", choices=[(k, v.label) for k, v in ALL_KINDS.items()])
    login = forms.CharField(label="Login", required=False, max_length=255, strip=True)
    token = forms.CharField(label="Token", max_length=2048, strip=True,
                            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
    shared = forms.BooleanField(label="Share with the organization", required=False,
                                help_text="Members use this token and see only whose it is.")

    def __init__(self, *args, org, user, is_admin: bool, integration: ScmIntegration | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.org, self.user, self.is_admin = org, user, is_admin
        # The operator's admin (org None) reaches every org's integrations; everyone else their org's.
        integrations = ScmIntegration.objects.select_related("runner", "organization")
        self.fields["integration"].queryset = integrations if org is None else integrations.filter(organization=org)
        self.fixed_integration = integration
        if integration is not None:
            self.fields["integration"].initial = integration.pk
            self.fields["integration"].widget = forms.HiddenInput()

    @property
    def kinds(self) -> tuple[TokenKind, ...]:
        integration = self.fixed_integration
        return integration.scm_provider.token_kinds if integration is not None else tuple(ALL_KINDS.values())

    def clean_integration(self) -> ScmIntegration:
        integration = self.cleaned_data["integration"]
        if self.fixed_integration is not None and integration.pk != self.fixed_integration.pk:
            raise ValidationError("Choose one of this organization's providers.")
        if not integration.scm_provider.token_kinds:
            raise ValidationError(f"{integration.spec.name} does not accept pasted tokens in the portal yet.")
        if not integration.pat_enabled:
            raise ValidationError(f"Tokens are turned off for {integration.spec.name} on runner "
                                  f"{integration.runner.name}; an org admin can turn on {integration.spec.token_label} "
                                  "in its repository access settings.")
        return integration

    @sensitive_variables("value")
    def clean_token(self) -> str:
        value = self.cleaned_data.get("token") or ""
        if not _TOKEN.match(value):
            raise ValidationError("A token is 8 to 2048 printable characters without spaces or line breaks; check "
                                  "what was pasted.")
        return value

    def clean(self):
        data = super().clean()
        integration: ScmIntegration | None = data.get("integration")
        method = data.get("method")
        if integration is None or not method:
            return data
        kinds = {k.id: k for k in integration.scm_provider.token_kinds}
        kind = kinds.get(method)
        if kind is None:
            names = ", ".join(kinds) or "none"
            self.add_error("method", f"{integration.spec.name} does not take a {method}; it takes: {names}.")
            return data
        data["login"] = self._clean_login(kind, data.get("login") or "")
        if data.get("shared"):
            if not self.is_admin:
                self.add_error("shared", "Only org admins can share a token with the organization.")
            elif not kind.shareable:
                self.add_error("shared", f"A {kind.label} cannot be shared; connect it as your own.")
        return data

    def _clean_login(self, kind: TokenKind, login: str) -> str:
        if not login:
            if kind.login_required:
                self.add_error("login", f"Enter the {kind.login_label[0].lower()}{kind.login_label[1:]}.")
            return ""
        if not _LOGIN.match(login):
            self.add_error("login", "This has characters a login cannot have (a colon or a line break).")
            return ""
        if kind.login_email_message and not _EMAIL.match(login):
            self.add_error("login", kind.login_email_message)
        return login


class AdminTokenConnectionForm(TokenConnectionForm):
    """The operator's admin: the same form, for any org, on behalf of one of its members."""

    field_order = ["integration", "user", "method", "login", "token", "shared"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, org=None, user=None, is_admin=True, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["user"] = forms.ModelChoiceField(
            queryset=get_user_model().objects.filter(memberships__isnull=False).distinct().order_by("email"),
            label="Whose connection", help_text="A member of the integration's organization. For a shared "
            "token: the admin it is shown as belonging to.")

    def clean(self):
        data = super().clean()
        integration, user = data.get("integration"), data.get("user")
        if integration is not None and user is not None:
            membership = user.memberships.filter(organization_id=integration.organization_id).first()
            if membership is None:
                self.add_error("user", f"{user} is not a member of {integration.organization}.")
            elif data.get("shared") and not membership.has_role("admin"):
                self.add_error("shared", "A shared token belongs to an admin of the organization.")
        return data


@sensitive_variables("data")
def token_submit(*, form: TokenConnectionForm, actor) -> Connection:
    """Validate, check with the provider, store. Raises ValidationFailed (naming the field), TokenRefused
    (`token_rejected`), ProviderUnreachable (`provider_unreachable`) or Conflict; nothing is stored then."""
    if not form.is_valid():
        raise ValidationFailed.from_form(form)
    data = form.cleaned_data
    return connection_create_token(integration=data["integration"], user=data.get("user") or actor,
                                   kind=data["method"], login=data.get("login") or "", token=data["token"],
                                   shared=bool(data.get("shared")), actor=actor)
