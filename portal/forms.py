from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.db import transaction

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
