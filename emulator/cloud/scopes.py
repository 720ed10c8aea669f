"""Bitbucket Cloud scopes: what each served endpoint needs, and what each scope implies.

ENDPOINT_SCOPES is copied from the Cloud OpenAPI description (``security.oauth2`` for OAuth,
app passwords and access tokens; ``x-atlassian-oauth2-scopes`` for API tokens); a test keeps
the two in step.
"""

from __future__ import annotations

# (method, spec path) -> (legacy scopes, API-token scopes)
ENDPOINT_SCOPES: dict[tuple[str, str], tuple[list[str], list[str]]] = {
    ("GET", "/user"): (["account"], ["read:user:bitbucket"]),
    ("GET", "/user/emails"): (["email"], ["read:user:bitbucket"]),
    ("GET", "/user/workspaces"): (["account"], ["read:workspace:bitbucket"]),
    ("GET", "/repositories/{workspace}"): (["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}"): (["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/hooks"): (["webhook"], ["read:webhook:bitbucket"]),
    ("POST", "/repositories/{workspace}/{repo_slug}/hooks"): (
        ["webhook"], ["read:webhook:bitbucket", "write:webhook:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/hooks/{uid}"): (["webhook"], ["read:webhook:bitbucket"]),
    ("PUT", "/repositories/{workspace}/{repo_slug}/hooks/{uid}"): (
        ["webhook"], ["read:webhook:bitbucket", "write:webhook:bitbucket"]),
    ("DELETE", "/repositories/{workspace}/{repo_slug}/hooks/{uid}"): (["webhook"], ["delete:webhook:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/refs/branches"): (["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/refs/branches/{name}"): (
        ["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/refs/tags"): (["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/refs/tags/{name}"): (["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/commit/{commit}"): (["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/commits"): (["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/commits/{revision}"): (
        ["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/pullrequests"): (["pullrequest"], ["read:pullrequest:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}"): (
        ["pullrequest"], ["read:pullrequest:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/issues"): (["issue"], ["read:issue:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/issues/{issue_id}"): (["issue"], ["read:issue:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/src"): (["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/src/{commit}/{path}"): (
        ["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses"): (
        ["repository"], ["read:repository:bitbucket"]),
    ("POST", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build"): (
        ["repository"], ["read:repository:bitbucket"]),
    ("GET", "/repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build/{key}"): (
        ["repository"], ["read:repository:bitbucket"]),
}

# What the consent page shows, and the scopes the emulator knows (from the spec's oauth2 flow).
SCOPE_DESCRIPTIONS: dict[str, str] = {
    "account": "Read your account information",
    "account:write": "Read and modify your account information",
    "email": "Read your account's primary email address",
    "team": "Read your team membership information",
    "team:write": "Read and modify your team membership information",
    "project": "Read your workspace's project settings and read repositories contained within your "
               "workspace's projects",
    "project:admin": "Read and modify settings for projects in your workspace",
    "repository": "Read your repositories",
    "repository:write": "Read and modify your repositories",
    "repository:admin": "Administer your repositories",
    "repository:delete": "Delete your repositories",
    "pullrequest": "Read your repositories and their pull requests",
    "pullrequest:write": "Read and modify your repositories and their pull requests",
    "issue": "Read your repositories' issues",
    "issue:write": "Read and modify your repositories' issues",
    "webhook": "Read and modify your repositories' webhooks",
    "wiki": "Read and modify your repositories' wikis",
    "snippet": "Read your snippets",
    "snippet:write": "Read and modify your snippets",
    "pipeline": "Access your repositories' build pipelines",
    "pipeline:write": "Access and rerun your repositories' build pipelines",
    "pipeline:variable": "Access your repositories' build pipelines and configure their variables",
    "runner": "Access your workspaces/repositories' runners",
    "runner:write": "Access and edit your workspaces/repositories' runners",
}

# Bitbucket's documented implications (e.g. pullrequest:write implies repository:write).
IMPLIES: dict[str, list[str]] = {
    "account:write": ["account"],
    "team:write": ["team"],
    "project:admin": ["project"],
    "repository:write": ["repository"],
    "pullrequest": ["repository"],
    "pullrequest:write": ["pullrequest", "repository:write"],
    "issue:write": ["issue"],
    "snippet:write": ["snippet"],
    "pipeline:write": ["pipeline"],
    "pipeline:variable": ["pipeline"],
    "runner:write": ["runner"],
}

# API tokens: granular scopes; "write"/"admin"/"delete" do not imply "read" there.
API_TOKEN_SCOPES = frozenset(
    f"{action}:{resource}:bitbucket"
    for resource in ("user", "workspace", "repository", "pullrequest", "issue", "webhook", "project",
                     "pipeline", "runner", "snippet", "wiki", "permission")
    for action in ("read", "write", "admin", "delete")
)

DEFAULT_CONSUMER_SCOPES = ["account", "email", "repository", "pullrequest", "issue", "webhook"]


def expand(scopes: list[str]) -> set[str]:
    out: set[str] = set()
    pending = list(scopes)
    while pending:
        scope = pending.pop()
        if scope not in out:
            out.add(scope)
            pending.extend(IMPLIES.get(scope, []))
    return out


def unknown_scopes(scopes: list[str], *, fine_grained: bool) -> list[str]:
    known = API_TOKEN_SCOPES if fine_grained else SCOPE_DESCRIPTIONS.keys()
    return [scope for scope in scopes if scope not in known]
