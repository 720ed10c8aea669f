from __future__ import annotations

from django import forms

from runners.models import Runner


class EnvironmentRequestForm(forms.Form):
    """New environment: the web page and the API (through its serializer's checked types)."""

    runner = forms.ModelChoiceField(queryset=Runner.objects.none(), empty_label=None,
                                    help_text="Where the environment runs; your connections are per runner.")
    url = forms.CharField(label="Repository, branch, commit, pull request or issue URL", max_length=2048,
                          widget=forms.TextInput(attrs={"placeholder": "https://bitbucket.org/workspace/repo/pull-requests/1",
                                                        "autocomplete": "off", "spellcheck": "false"}))

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["runner"].queryset = Runner.objects.filter(organization=org).order_by("name")
