from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.db import transaction

from portal.audit_display import action_label, target_kind_label
from portal.models import Organization, Role
from portal.models.tenancy import slug_validator, validate_not_reserved


class OrganizationCreateForm(forms.Form):
    # portal.js fills the URL name from the name as it is typed, until the URL name is edited by hand.
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"data-slug-source": "#id_slug"}))
    slug = forms.CharField(
        max_length=50, validators=[slug_validator, validate_not_reserved],
        label="URL name",
        help_text='Used in addresses: <code>/orgs/<span data-slug-preview="#id_slug">your-org</span>/</code>',
    )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if Organization.objects.filter(slug=slug).exists():
            raise forms.ValidationError("That URL name is taken.")
        return slug


class OrganizationRenameForm(forms.Form):
    name = forms.CharField(max_length=100)


class OrganizationDeleteForm(forms.Form):
    confirm = forms.CharField(label="Type the organization's URL name to confirm")

    def __init__(self, *args, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org

    def clean_confirm(self) -> str:
        if self.cleaned_data["confirm"].strip() != self.org.slug:
            raise forms.ValidationError(f"Type {self.org.slug} to confirm.")
        return self.cleaned_data["confirm"]


class InvitationForm(forms.Form):
    # The model's limit (254, RFC 5321's path limit); EmailField alone allows 320.
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ActivityFilterForm(forms.Form):
    """The Activity page's filters, from the query string. A target is a kind ("runners.runner") or one
    row of it ("runners.runner:7", what the table's target links carry)."""

    actor = forms.ChoiceField(required=False, label="Who")
    action = forms.ChoiceField(required=False, label="What")
    target = forms.ChoiceField(required=False, label="Target")

    def __init__(self, *args, org: Organization, **kwargs):
        from portal.selectors import audit_filter_values, audit_target_label

        super().__init__(*args, **kwargs)
        values = audit_filter_values(org)
        self.fields["actor"].choices = [("", "Anyone")] + [(a, a) for a in values["actor"]]
        self.fields["action"].choices = [("", "Any action")] + [(a, action_label(a)) for a in values["action"]]
        targets = [("", "Anything")] + [(t, target_kind_label(t)) for t in values["target"]]
        kind, _, row = str(self.data.get("target", "")).partition(":")
        if row and kind in values["target"] and len(row) <= 64:
            label = audit_target_label(org, kind, row)
            if label is not None:
                targets.append((f"{kind}:{row}", f"{target_kind_label(kind)}: {label}"))
        self.fields["target"].choices = targets

    def filters(self) -> dict[str, str]:
        """Keyword arguments for `audit_events_for`; call after `is_valid()`."""
        data = self.cleaned_data
        kind, _, row = data.get("target", "").partition(":")
        return {"actor": data.get("actor", ""), "action": data.get("action", ""), "target_type": kind,
                "target_id": row}


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'CI pipeline'.")


class SignupForm(AllauthSignupForm):
    """allauth's sign-up, with the user, their email address and their personal org written together."""

    @transaction.atomic
    def save(self, request):
        from portal.services import personal_organization_create

        user = super().save(request)
        personal_organization_create(user=user)
        return user
