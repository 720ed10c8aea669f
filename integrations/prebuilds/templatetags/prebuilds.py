"""The prebuilds section of the project page, rendered by this app so projects need not know about it."""

from __future__ import annotations

from django import template

from integrations.prebuilds import matching, selectors
from integrations.prebuilds.forms import PrebuildSettingsForm

register = template.Library()
RECENT = 10


@register.inclusion_tag("prebuilds/_section.html", takes_context=True)
def prebuilds_section(context, project, is_admin: bool):
    recent = list(selectors.prebuild_list(project=project)[: RECENT + 1])
    form = PrebuildSettingsForm(initial={"prebuilds": project.prebuilds, "prebuild_branches": project.prebuild_branches,
                                         "prebuild_pull_requests": project.prebuild_pull_requests})
    default = project.default_branch or " or ".join(matching.FALLBACK_DEFAULT_BRANCHES)
    return {"org": context["org"], "project": project, "is_admin": is_admin, "prebuilds": recent[:RECENT],
            "more": len(recent) > RECENT, "form": form, "default_branch": default,
            "patterns": matching.branch_patterns(project.prebuild_branches), "csrf_token": context.get("csrf_token")}


@register.filter
def duration(seconds) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
