"""Every context-URL form the issue lists, across providers, parsed offline: one row per URL with the whole
expected answer, and the error cases with what the message must name."""

from __future__ import annotations

import pytest

from integrations.context.base import ContextUrlError
from integrations.context.parsing import parse_context_url

BBC, BBS, GH, GL, ADO = "bitbucket-cloud", "bitbucket-server", "github", "gitlab", "azure-devops"
CLOUD = "https://bitbucket.org"
SERVER = "https://git.example.com/bitbucket"  # registered, with a context path
SERVER_PORT = "https://bb.example.com:8443"  # registered, with a port
SELF_GITLAB = "https://gitlab.example.com"
KNOWN = [(BBS, SERVER), (BBS, SERVER_PORT), (GL, SELF_GITLAB)]
SHA = "0123456789abcdef0123456789abcdef01234567"


def E(provider, host, owner, repo, kind, *, ref=None, commit=None, number=None, path=None):  # noqa: N802
    return {"provider": provider, "host": host, "owner": owner, "repo": repo, "kind": kind, "ref": ref,
            "commit": commit, "number": number, "path": path}


CASES = [
    # --- Bitbucket Cloud -------------------------------------------------------------------------------
    ("https://bitbucket.org/acme/webapp", E(BBC, CLOUD, "acme", "webapp", "repository")),
    ("https://bitbucket.org/acme/webapp/", E(BBC, CLOUD, "acme", "webapp", "repository")),
    ("https://bitbucket.org/acme/webapp.git", E(BBC, CLOUD, "acme", "webapp", "repository")),
    ("bitbucket.org/acme/webapp", E(BBC, CLOUD, "acme", "webapp", "repository")),
    ("  https://bitbucket.org/acme/webapp  ", E(BBC, CLOUD, "acme", "webapp", "repository")),
    ("https://alice@bitbucket.org/acme/webapp.git", E(BBC, CLOUD, "acme", "webapp", "repository")),
    ("git@bitbucket.org:acme/webapp.git", E(BBC, CLOUD, "acme", "webapp", "repository")),
    ("ssh://git@bitbucket.org/acme/webapp.git", E(BBC, CLOUD, "acme", "webapp", "repository")),
    ("https://bitbucket.org/acme/webapp/src", E(BBC, CLOUD, "acme", "webapp", "repository")),
    ("https://bitbucket.org/acme/webapp/src/main/", E(BBC, CLOUD, "acme", "webapp", "branch", ref="main")),
    ("https://bitbucket.org/acme/webapp/src/main/src/app.py",
     E(BBC, CLOUD, "acme", "webapp", "file", ref="main", path="src/app.py")),
    (f"https://bitbucket.org/acme/webapp/src/{SHA}/README.md?at=feature/login",
     E(BBC, CLOUD, "acme", "webapp", "file", ref="feature/login", commit=SHA, path="README.md")),
    ("https://bitbucket.org/acme/webapp/src/feature/login/README.md?at=feature%2Flogin",
     E(BBC, CLOUD, "acme", "webapp", "file", ref="feature/login", path="README.md")),
    ("https://bitbucket.org/acme/webapp/src/feature%2Flogin/docs/index.md",
     E(BBC, CLOUD, "acme", "webapp", "file", ref="feature/login", path="docs/index.md")),
    ("https://bitbucket.org/acme/webapp/src/abc1234/", E(BBC, CLOUD, "acme", "webapp", "commit", commit="abc1234")),
    ("https://bitbucket.org/acme/webapp/src?at=develop", E(BBC, CLOUD, "acme", "webapp", "branch", ref="develop")),
    ("https://bitbucket.org/acme/webapp/branch/feature/deep/name",
     E(BBC, CLOUD, "acme", "webapp", "branch", ref="feature/deep/name")),
    ("https://bitbucket.org/acme/webapp/branch/release%2F2.0",
     E(BBC, CLOUD, "acme", "webapp", "branch", ref="release/2.0")),
    (f"https://bitbucket.org/acme/webapp/commits/{SHA}", E(BBC, CLOUD, "acme", "webapp", "commit", commit=SHA)),
    (f"https://bitbucket.org/acme/webapp/commits/{SHA.upper()}",
     E(BBC, CLOUD, "acme", "webapp", "commit", commit=SHA)),
    ("https://bitbucket.org/acme/webapp/commits/branch/feature/x",
     E(BBC, CLOUD, "acme", "webapp", "branch", ref="feature/x")),
    ("https://bitbucket.org/acme/webapp/commits/tag/v1.2.0", E(BBC, CLOUD, "acme", "webapp", "tag", ref="v1.2.0")),
    ("https://bitbucket.org/acme/webapp/pull-requests/42", E(BBC, CLOUD, "acme", "webapp", "pull_request", number=42)),
    ("https://bitbucket.org/acme/webapp/pull-requests/42/add-login/diff",
     E(BBC, CLOUD, "acme", "webapp", "pull_request", number=42)),
    ("https://bitbucket.org/acme/webapp/issues/7", E(BBC, CLOUD, "acme", "webapp", "issue", number=7)),
    ("https://bitbucket.org/acme/webapp/issues/7/login-fails-on-safari",
     E(BBC, CLOUD, "acme", "webapp", "issue", number=7)),
    ("http://bitbucket.org/acme/web.app-2_x", E(BBC, CLOUD, "acme", "web.app-2_x", "repository")),
    # --- Bitbucket Server / Data Center ---------------------------------------------------------------
    (f"{SERVER}/projects/ACME/repos/backend", E(BBS, SERVER, "ACME", "backend", "repository")),
    (f"{SERVER}/projects/ACME/repos/backend/", E(BBS, SERVER, "ACME", "backend", "repository")),
    (f"{SERVER}/projects/ACME/repos/backend/browse", E(BBS, SERVER, "ACME", "backend", "repository")),
    (f"{SERVER}/projects/ACME/repos/backend/browse/src/app.py",
     E(BBS, SERVER, "ACME", "backend", "file", path="src/app.py")),
    (f"{SERVER}/projects/ACME/repos/backend/browse?at=refs/heads/feature/x",
     E(BBS, SERVER, "ACME", "backend", "branch", ref="feature/x")),
    (f"{SERVER}/projects/ACME/repos/backend/browse?at=refs%2Fheads%2Ffeature%2Fx",
     E(BBS, SERVER, "ACME", "backend", "branch", ref="feature/x")),
    (f"{SERVER}/projects/ACME/repos/backend/browse?at=refs/tags/v2.0",
     E(BBS, SERVER, "ACME", "backend", "tag", ref="v2.0")),
    (f"{SERVER}/projects/ACME/repos/backend/browse?at=develop",
     E(BBS, SERVER, "ACME", "backend", "branch", ref="develop")),
    (f"{SERVER}/projects/ACME/repos/backend/browse/README.md?at=refs/tags/v2.0",
     E(BBS, SERVER, "ACME", "backend", "file", ref="v2.0", path="README.md")),
    (f"{SERVER}/projects/ACME/repos/backend/browse?at={SHA}", E(BBS, SERVER, "ACME", "backend", "commit", commit=SHA)),
    (f"{SERVER}/projects/ACME/repos/backend/commits/{SHA}", E(BBS, SERVER, "ACME", "backend", "commit", commit=SHA)),
    (f"{SERVER}/projects/ACME/repos/backend/commits?until=refs/heads/main",
     E(BBS, SERVER, "ACME", "backend", "branch", ref="main")),
    (f"{SERVER}/projects/ACME/repos/backend/commits?until=refs%2Ftags%2Fv1",
     E(BBS, SERVER, "ACME", "backend", "tag", ref="v1")),
    (f"{SERVER}/projects/ACME/repos/backend/pull-requests/5",
     E(BBS, SERVER, "ACME", "backend", "pull_request", number=5)),
    (f"{SERVER}/projects/ACME/repos/backend/pull-requests/5/overview",
     E(BBS, SERVER, "ACME", "backend", "pull_request", number=5)),
    (f"{SERVER}/projects/ACME/repos/backend/pull-requests/5/diff",
     E(BBS, SERVER, "ACME", "backend", "pull_request", number=5)),
    (f"{SERVER}/projects/ACME/repos/backend/pull-requests/5/commits",
     E(BBS, SERVER, "ACME", "backend", "pull_request", number=5)),
    (f"{SERVER}/projects/acme/repos/backend", E(BBS, SERVER, "ACME", "backend", "repository")),
    (f"{SERVER}/users/alice/repos/notes", E(BBS, SERVER, "~alice", "notes", "repository")),
    (f"{SERVER}/users/Alice/repos/notes/browse/todo.md?at=refs/heads/main",
     E(BBS, SERVER, "~alice", "notes", "file", ref="main", path="todo.md")),
    (f"{SERVER}/scm/acme/backend.git", E(BBS, SERVER, "ACME", "backend", "repository")),
    (f"{SERVER}/scm/~alice/notes.git", E(BBS, SERVER, "~alice", "notes", "repository")),
    ("https://alice@git.example.com/bitbucket/scm/acme/backend.git", E(BBS, SERVER, "ACME", "backend", "repository")),
    ("ssh://git@git.example.com:7999/acme/backend.git", E(BBS, SERVER, "ACME", "backend", "repository")),
    ("ssh://git@git.example.com:7999/~alice/notes.git", E(BBS, SERVER, "~alice", "notes", "repository")),
    (f"{SERVER_PORT}/projects/OPS/repos/infra/browse", E(BBS, SERVER_PORT, "OPS", "infra", "repository")),
    (f"{SERVER_PORT}/scm/ops/infra.git", E(BBS, SERVER_PORT, "OPS", "infra", "repository")),
    # Not registered, but the path shape says Bitbucket Server (context path and all).
    ("https://code.other.example/stash/projects/X/repos/y/browse?at=refs/heads/main",
     E(BBS, "https://code.other.example/stash", "X", "y", "branch", ref="main")),
    ("https://code.other.example/scm/x/y.git", E(BBS, "https://code.other.example", "X", "y", "repository")),
    ("https://code.other.example/users/bob/repos/y", E(BBS, "https://code.other.example", "~bob", "y", "repository")),
    ("ssh://git@code.other.example:7999/x/y.git", E(BBS, "https://code.other.example", "X", "y", "repository")),
    # --- GitHub ------------------------------------------------------------------------------------------
    ("https://github.com/octo/hello", E(GH, "https://github.com", "octo", "hello", "repository")),
    ("https://github.com/octo/hello.git", E(GH, "https://github.com", "octo", "hello", "repository")),
    ("git@github.com:octo/hello.git", E(GH, "https://github.com", "octo", "hello", "repository")),
    ("https://github.com/octo/hello/tree/feature/x", E(GH, "https://github.com", "octo", "hello", "branch",
                                                       ref="feature/x")),
    ("https://github.com/octo/hello/blob/main/src/app.py",
     E(GH, "https://github.com", "octo", "hello", "file", ref="main", path="src/app.py")),
    (f"https://github.com/octo/hello/commit/{SHA}", E(GH, "https://github.com", "octo", "hello", "commit",
                                                      commit=SHA)),
    ("https://github.com/octo/hello/pull/12", E(GH, "https://github.com", "octo", "hello", "pull_request", number=12)),
    ("https://github.com/octo/hello/pull/12/files", E(GH, "https://github.com", "octo", "hello", "pull_request",
                                                      number=12)),
    ("https://github.com/octo/hello/issues/3", E(GH, "https://github.com", "octo", "hello", "issue", number=3)),
    ("https://github.com/octo/hello/releases/tag/v1.0", E(GH, "https://github.com", "octo", "hello", "tag",
                                                          ref="v1.0")),
    # --- GitLab ------------------------------------------------------------------------------------------
    ("https://gitlab.com/group/project", E(GL, "https://gitlab.com", "group", "project", "repository")),
    ("https://gitlab.com/group/sub/deeper/project.git",
     E(GL, "https://gitlab.com", "group/sub/deeper", "project", "repository")),
    ("git@gitlab.com:group/sub/project.git", E(GL, "https://gitlab.com", "group/sub", "project", "repository")),
    ("https://gitlab.com/group/sub/project/-/tree/feature/x",
     E(GL, "https://gitlab.com", "group/sub", "project", "branch", ref="feature/x")),
    ("https://gitlab.com/group/project/-/blob/main/README.md",
     E(GL, "https://gitlab.com", "group", "project", "file", ref="main", path="README.md")),
    (f"https://gitlab.com/group/project/-/commit/{SHA}",
     E(GL, "https://gitlab.com", "group", "project", "commit", commit=SHA)),
    ("https://gitlab.com/group/sub/project/-/merge_requests/9",
     E(GL, "https://gitlab.com", "group/sub", "project", "pull_request", number=9)),
    ("https://gitlab.com/group/project/-/merge_requests/9/diffs",
     E(GL, "https://gitlab.com", "group", "project", "pull_request", number=9)),
    ("https://gitlab.com/group/project/-/issues/4", E(GL, "https://gitlab.com", "group", "project", "issue",
                                                      number=4)),
    ("https://gitlab.com/group/project/-/tags/v3", E(GL, "https://gitlab.com", "group", "project", "tag", ref="v3")),
    ("https://gitlab.com/group/project/merge_requests/9",
     E(GL, "https://gitlab.com", "group", "project", "pull_request", number=9)),
    (f"{SELF_GITLAB}/platform/tools/cli/-/tree/main",
     E(GL, SELF_GITLAB, "platform/tools", "cli", "branch", ref="main")),
    # --- Azure DevOps ------------------------------------------------------------------------------------
    ("https://dev.azure.com/contoso/Web/_git/portal",
     E(ADO, "https://dev.azure.com", "contoso/Web", "portal", "repository")),
    ("https://contoso@dev.azure.com/contoso/Web/_git/portal",
     E(ADO, "https://dev.azure.com", "contoso/Web", "portal", "repository")),
    ("https://dev.azure.com/contoso/Web/_git/portal?version=GBfeature%2Fx",
     E(ADO, "https://dev.azure.com", "contoso/Web", "portal", "branch", ref="feature/x")),
    ("https://dev.azure.com/contoso/Web/_git/portal?version=GTv1.0",
     E(ADO, "https://dev.azure.com", "contoso/Web", "portal", "tag", ref="v1.0")),
    ("https://dev.azure.com/contoso/Web/_git/portal?path=/src/app.ts&version=GBmain",
     E(ADO, "https://dev.azure.com", "contoso/Web", "portal", "file", ref="main", path="src/app.ts")),
    (f"https://dev.azure.com/contoso/Web/_git/portal/commit/{SHA}",
     E(ADO, "https://dev.azure.com", "contoso/Web", "portal", "commit", commit=SHA)),
    ("https://dev.azure.com/contoso/Web/_git/portal/pullrequest/31",
     E(ADO, "https://dev.azure.com", "contoso/Web", "portal", "pull_request", number=31)),
    ("https://dev.azure.com/contoso/_git/portal", E(ADO, "https://dev.azure.com", "contoso/portal", "portal",
                                                    "repository")),
    ("https://contoso.visualstudio.com/DefaultCollection/Web/_git/portal",
     E(ADO, "https://contoso.visualstudio.com", "contoso/Web", "portal", "repository")),
    ("git@ssh.dev.azure.com:v3/contoso/Web/portal",
     E(ADO, "https://dev.azure.com", "contoso/Web", "portal", "repository")),
]

CLONE_URLS = [
    ("git@bitbucket.org:acme/webapp.git", "https://bitbucket.org/acme/webapp.git"),
    ("https://alice@bitbucket.org/acme/webapp/pull-requests/4", "https://bitbucket.org/acme/webapp.git"),
    (f"{SERVER}/projects/ACME/repos/backend/browse", f"{SERVER}/scm/acme/backend.git"),
    (f"{SERVER}/users/alice/repos/notes", f"{SERVER}/scm/~alice/notes.git"),
    ("ssh://git@git.example.com:7999/acme/backend.git", f"{SERVER}/scm/acme/backend.git"),
    ("git@gitlab.com:group/sub/project.git", "https://gitlab.com/group/sub/project.git"),
    ("https://dev.azure.com/contoso/Web/_git/portal/pullrequest/31", "https://dev.azure.com/contoso/Web/_git/portal"),
]

ERRORS = [
    ("", "Paste the URL"),
    ("   ", "Paste the URL"),
    ("https://example.com/acme/webapp", "example.com is not a host the portal knows"),
    ("ftp://bitbucket.org/acme/webapp", "not ftp:"),
    ("https://bitbucket.org/acme", "expected /{workspace}/{repository}"),
    ("https://bitbucket.org/", "got nothing"),
    ("https://bitbucket.org/acme/webapp/pipelines", "'pipelines' after the repository"),
    ("https://bitbucket.org/acme/webapp/pull-requests/", "pull request number is missing"),
    ("https://bitbucket.org/acme/webapp/pull-requests/abc", "'abc' is not a pull request number"),
    ("https://bitbucket.org/acme/webapp/issues/0", "'0' is not a issue number"),
    ("https://bitbucket.org/acme/webapp/commits/not-a-sha", "'not-a-sha' is not a commit hash"),
    ("https://bitbucket.org/acme/webapp/branch/", "branch name is missing"),
    ("https://bitbucket.org/dashboard/overview", "/dashboard is a Bitbucket page"),
    ("https://bitbucket.org/acme/web%20app", "'web app' is not a valid repository slug"),
    ("https://bitbucket.org/acme/web app", "contains spaces"),
    (f"{SERVER}/projects/ACME", "expected /projects/{KEY}/repos/{slug}"),
    (f"{SERVER}/projects/ACME/repos/backend/settings", "'settings' after the repository"),
    (f"{SERVER}/projects/ACME/repos/backend/pull-requests/5/merge", "is not a pull request page"),
    (f"{SERVER}/projects/ACME/repos/backend/browse?at=refs/notes/x", "neither a branch"),
    (f"{SERVER}/projects/1BAD/repos/backend", "'1BAD' is not a valid project key"),
    (f"{SERVER}/scm/acme", "expected /scm/{key}/{slug}.git"),
    ("https://github.com/octo", "expected /{owner}/{repository}"),
    ("https://github.com/octo/hello/wiki", "/wiki after the repository"),
    ("https://github.com/orgs/octo", "/orgs is a GitHub page"),
    ("https://gitlab.com/project", "expected /{group}/{project}"),
    ("https://gitlab.com/group/project/-/pipelines/3", "/-/pipelines/3 is not a page"),
    ("https://dev.azure.com/contoso/Web", "expected /{organization}/{project}/_git/{repository}"),
    ("https://dev.azure.com/contoso/Web/_git/portal?version=XYmain", "version 'XYmain'"),
    ("https://bitbucket.org:99999/acme/webapp", "invalid host or port"),
    ("https://" + "a" * 2100 + ".example", "longer than 2048"),
]


@pytest.mark.parametrize(("url", "expected"), CASES, ids=[c[0].strip() or "blank" for c in CASES])
def test_url_forms(url, expected):
    parsed = parse_context_url(url, known_hosts=KNOWN).as_dict()
    assert parsed.pop("url") == url.strip()
    assert parsed.pop("clone_url").startswith(("https://", "http://"))
    assert parsed == expected


@pytest.mark.parametrize(("url", "clone_url"), CLONE_URLS)
def test_clone_url_is_https_without_user(url, clone_url):
    assert parse_context_url(url, known_hosts=KNOWN).clone_url == clone_url


@pytest.mark.parametrize(("url", "named"), ERRORS, ids=[e[0][:60] or "empty" for e in ERRORS])
def test_errors_name_what_was_not_understood(url, named):
    with pytest.raises(ContextUrlError) as caught:
        parse_context_url(url, known_hosts=KNOWN)
    assert named in caught.value.message


def test_enough_forms_are_covered():
    assert len(CASES) + len(ERRORS) >= 60
    providers = {expected["provider"] for _, expected in CASES}
    assert providers == {BBC, BBS, GH, GL, ADO}


def test_a_registered_host_beats_the_path_shape_and_the_longest_base_wins():
    # The emulator's layout: Cloud at the root of a host, Server under /bbs/bitbucket on the same host.
    known = [(BBC, "http://127.0.0.1:8001"), (BBS, "http://127.0.0.1:8001/bbs/bitbucket")]
    server = parse_context_url("http://127.0.0.1:8001/bbs/bitbucket/projects/ACME/repos/backend", known_hosts=known)
    cloud = parse_context_url("http://127.0.0.1:8001/acme/webapp/pull-requests/1", known_hosts=known)
    assert (server.provider, server.host) == (BBS, "http://127.0.0.1:8001/bbs/bitbucket")
    assert (cloud.provider, cloud.host, cloud.number) == (BBC, "http://127.0.0.1:8001", 1)


def test_an_unregistered_gitlab_host_is_not_guessed():
    with pytest.raises(ContextUrlError, match="gitlab.example.org is not a host the portal knows"):
        parse_context_url("https://gitlab.example.org/group/project/-/tree/main", known_hosts=[])
