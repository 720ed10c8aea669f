"""The "Configure repository access" form: the one class behind the dialog, the admin inline and the API.

Validation only: no network. Reading a self-hosted instance is the next, explicit step
(`integrations.host_check`), then `integrations.submit` hands the input to the services."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from integrations.hosts import check_public_address, normalize_host
from integrations.models import ScmIntegration
from integrations.models.integration import SecretState, oauth_key_for
from integrations.providers import PROVIDER_CHOICES, PROVIDERS, Provider
from runners.protocol.sealing import SealError
from runners.sealing import SealedForRunner, caller_sealed_blob

_CLIENT_ID = re.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, no spaces
_ALL_OPTIONAL = sorted({s.name for p in PROVIDERS.values() for s in p.spec.optional_scopes()})


def option_field_name(key: str) -> str:
    """The form field of a provider option: `options.<key>`, as the API's JSON names it."""
    return f"options.{key}"


class ScmIntegrationForm(forms.ModelForm):
    client_secret = forms.CharField(
        label="Client Secret",
        required=False,
        strip=True,
        max_length=1024,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    # Sealed by the caller (the dialog's browser, an API client): base64 of enc || ct, and its suite.
    client_secret_sealed = forms.CharField(required=False, max_length=16384, widget=forms.HiddenInput)
    suite = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    optional_scopes = forms.MultipleChoiceField(
        label="Optional scopes",
        required=False,
        choices=[(s, s) for s in _ALL_OPTIONAL],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ScmIntegration
        fields = ["provider", "host", "oauth_enabled", "pat_enabled", "client_id", "optional_scopes"]
        widgets = {"provider": forms.Select(choices=PROVIDER_CHOICES)}

    def __init__(self, *args, runner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._runner = runner
        self.fields["host"].required = False
        self.fields["client_id"].required = False
        self.fields["provider"].choices = PROVIDER_CHOICES
        if self.instance.pk:
            # Another provider is another row: remove this one and add a new one.
            self.fields["provider"].disabled = True
        provider = PROVIDERS.get(self._raw_provider())
        self.spec = provider.spec if provider else None
        self.option_fields = provider.option_fields if provider else ()
        saved_options = self.instance.options or {}
        for option in self.option_fields:
            self.fields[option_field_name(option.key)] = forms.CharField(
                label=option.label, required=False, max_length=option.max_length, help_text=option.help_text,
                initial=saved_options.get(option.key, ""),
                widget=forms.TextInput(attrs={"placeholder": option.placeholder or option.default,
                                              "autocomplete": "off"}))
        if self.spec:
            self.fields["client_id"].label = self.spec.client_id_label
            self.fields["client_secret"].label = self.spec.client_secret_label
            self.fields["optional_scopes"].choices = [
                (s.name, f"{s.name}: {s.reason}") for s in self.spec.optional_scopes()
            ]
            if not self.spec.host_editable:
                self.fields["host"].disabled = True
        if not self.runner_has_key:
            self.fields["client_secret"].disabled = True
            self.fields["client_secret"].help_text = (
                "Waiting for the runner to register: the secret is sealed to the runner's key, "
                "so it can be entered once the runner has registered."
            )
        elif self.instance.pk and self.instance.client_secret_set:
            self.fields["client_secret"].help_text = "Set. Leave empty to keep it, or enter a new one to replace it."

    @property
    def runner(self):
        # Admin inline formsets set the runner on the instance only after __init__.
        if self._runner is not None:
            return self._runner
        return self.instance.runner if self.instance.runner_id else None

    @property
    def runner_has_key(self) -> bool:
        return bool(self.runner is not None and self.runner.has_public_key)

    def _raw_provider(self) -> str:
        if self.instance.pk:
            return self.instance.provider
        value = self.data.get(self.add_prefix("provider")) if self.is_bound else None
        return value or self.initial.get("provider") or ""

    def clean_client_id(self) -> str:
        value = (self.cleaned_data.get("client_id") or "").strip()
        if value and not _CLIENT_ID.match(value):
            raise ValidationError("A client ID is printable characters without spaces (255 at most).")
        return value

    @sensitive_variables("value")
    def clean_client_secret(self) -> str:
        value = self.cleaned_data.get("client_secret") or ""
        if not self.runner_has_key and self.data.get(self.add_prefix("client_secret")):
            raise ValidationError("The runner has not registered yet: enter the secret once it has a key.")
        if value and any(ch.isspace() for ch in value):
            raise ValidationError("A client secret has no spaces or line breaks; check what was pasted.")
        return value

    def clean(self):
        data = super().clean()
        provider: Provider | None = PROVIDERS.get(data.get("provider") or "")
        if provider is None:
            return data
        self.spec = spec = provider.spec
        data["host"] = self._clean_host(provider, data.get("host") or "")
        data["options"] = self._clean_options(provider, data)
        data["optional_scopes"] = [
            s for s in data.get("optional_scopes") or [] if s in {o.name for o in spec.optional_scopes()}
        ]
        oauth, pat = data.get("oauth_enabled"), data.get("pat_enabled")
        if not oauth and not pat:
            self.add_error("oauth_enabled", "Turn on OAuth, personal access tokens, or both.")
        data["client_secret_sealed"] = self._clean_sealed(provider, data)
        if oauth:
            self._clean_oauth(provider, data)
        if data["host"] and self.runner is not None and not self.errors:
            clash = ScmIntegration.objects.filter(runner=self.runner, provider=spec.id, host=data["host"])
            if clash.exclude(pk=self.instance.pk).exists():
                self.add_error(None, f"{spec.name} at {data['host']} is already configured on this runner.")
        return data

    def _clean_host(self, provider: Provider, raw: str) -> str:
        if self.has_error("host"):
            return ""  # one message per field: the field's own (e.g. too long) is the most specific
        if not provider.spec.host_editable or (not raw.strip() and provider.spec.default_host):
            return provider.default_host()
        try:
            host = normalize_host(raw)
            check_public_address(host)
        except ValidationError as exc:
            self.add_error("host", exc)
            return ""
        return host

    @property
    def option_bound_fields(self) -> list:
        """The provider's option fields, in declaration order, for the dialog."""
        return [self[option_field_name(o.key)] for o in self.option_fields if option_field_name(o.key) in self.fields]

    def _clean_options(self, provider: Provider, data: dict) -> dict[str, str]:
        names = [option_field_name(o.key) for o in provider.option_fields]
        if self.instance.pk and not any(self.add_prefix(name) in self.data for name in names):
            # A surface that does not show the options (the admin inline) keeps the saved ones.
            raw = dict(self.instance.options or {})
        else:
            raw = {o.key: data.get(option_field_name(o.key)) or "" for o in provider.option_fields}
        try:
            return provider.clean_options(raw)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                name = option_field_name(key)
                self.add_error(name if name in self.fields else None, messages)
            return {}

    def integration_key(self, provider: Provider, host: str) -> str:
        """The key a caller-sealed secret is bound to: the row's, or the one the row will get."""
        if self.instance.pk:
            return self.instance.oauth_key
        return oauth_key_for(runner_id=self.runner.pk, provider=provider.spec.id, host=host)

    def _clean_sealed(self, provider: Provider, data: dict) -> SealedForRunner | None:
        sealed, suite = data.get("client_secret_sealed") or "", (data.get("suite") or "").strip()
        if not sealed and not suite:
            return None
        if data.get("client_secret") or self.data.get(self.add_prefix("client_secret")):
            # The point of sealing elsewhere is that the plaintext never travels: both at once is a bug
            # in the caller, and the plaintext has already travelled. Refuse rather than pick one.
            self.add_error("client_secret_sealed", "Send the client secret or a sealed one, not both.")
            return None
        if not sealed or not suite:
            self.add_error("suite" if sealed else "client_secret_sealed",
                           "A sealed client secret needs both client_secret_sealed and suite.")
            return None
        if not self.runner_has_key:
            self.add_error("client_secret_sealed", "The runner has not registered yet: there is no key to seal to.")
            return None
        if not data.get("host"):
            return None  # the host's own error says what to fix
        try:
            return caller_sealed_blob(runner=self.runner, integration_key=self.integration_key(provider, data["host"]),
                                      suite=suite, sealed_b64=sealed.strip())
        except SealError as exc:
            self.add_error("client_secret_sealed", str(exc))
            return None

    def _clean_oauth(self, provider: Provider, data: dict) -> None:
        spec = provider.spec
        if not data.get("client_id") and not self.has_error("client_id"):
            self.add_error("client_id", f"Enter the {spec.client_id_label} of your OAuth app.")
        if not self.runner_has_key or data.get("client_secret") or data.get("client_secret_sealed"):
            return
        if self.errors.get("client_secret_sealed") or self.data.get(self.add_prefix("client_secret_sealed")):
            return  # the sealed secret's own error says what to fix
        instance = self.instance
        if not instance.pk or instance.secret_state in (SecretState.MISSING, SecretState.NEEDS_REENTRY):
            self.add_error("client_secret", f"Enter the {spec.client_secret_label}.")
        elif data.get("client_id") != instance.client_id or (
                data.get("host") and provider.token_url(data["host"], data.get("options") or {}) != instance.token_url):
            # The secret is sealed together with the client ID and the token URL (host, tenant, ...).
            self.add_error("client_secret", "Re-enter the secret: it is sealed together with the client ID and "
                                            "the token URL (the host and its settings).")
