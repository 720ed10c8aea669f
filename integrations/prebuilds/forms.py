"""Prebuild settings of a project: the project page's form, the admin and the API validate with this."""

from __future__ import annotations

from django import forms

from integrations.prebuilds import matching


class PrebuildSettingsForm(forms.Form):
    prebuilds = forms.BooleanField(required=False, label="Prebuilds on",
                                   help_text="Pushes and pull requests queue prebuilds for this project.")
    prebuild_branches = forms.CharField(required=False, max_length=500, label="Branches",
                                        help_text="Glob patterns, comma separated, e.g. main, release/*. "
                                                  "Empty: the repository's default branch.")
    prebuild_pull_requests = forms.BooleanField(required=False, label="Pull requests",
                                                help_text="Build the source commit of pull requests when they "
                                                          "are opened or updated.")

    def clean_prebuild_branches(self) -> str:
        value = self.cleaned_data.get("prebuild_branches") or ""
        problems = matching.pattern_errors(value)
        if problems:
            raise forms.ValidationError(problems)
        return ", ".join(matching.branch_patterns(value))
