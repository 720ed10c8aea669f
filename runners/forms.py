from __future__ import annotations

from django import forms

from runners.models import Runner


class RunnerForm(forms.ModelForm):
    """Name, kind and place. The model's clean() holds the rules, so the API and admin share them."""

    class Meta:
        model = Runner
        fields = ["name", "kind", "cloud_provider", "region"]
        help_texts = {
            "name": "How people will recognize it, e.g. acme-aws or alice-laptop.",
            "cloud_provider": "For self-hosted runners.",
            "region": "For self-hosted runners, e.g. eu-west-1.",
        }
        widgets = {"kind": forms.RadioSelect}
