from __future__ import annotations

from django import forms

from environments.services import provider_names
from runners.models import Runner


def _names(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


class EnvironmentRequestForm(forms.Form):
    """New environment: the web page and the API (through its serializer's checked types)."""

    runner = forms.ModelChoiceField(queryset=Runner.objects.none(), empty_label=None,
                                    help_text="Where the environment runs; your connections are per runner.")
    url = forms.CharField(label="Repository, branch, commit, pull request or issue URL", max_length=2048,
                          widget=forms.TextInput(attrs={"placeholder": "https://bitbucket.org/workspace/repo/pull-requests/1",
                                                        "autocomplete": "off", "spellcheck": "false"}))

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["url"].help_text = (
            f"{_names(provider_names(resolvable=True))} URLs: environments are Bitbucket-only for now "
            f"({_names(provider_names(resolvable=False))} URLs are not looked up yet).")
        self.fields["runner"].queryset = Runner.objects.filter(organization=org).order_by("name")
