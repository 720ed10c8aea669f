"""Resolution against the emulator over real HTTP, with alice's own tokens: default branch, branch vs tag, pull
request source, issue -> default branch plus a suggested branch, and what is missing said plainly."""

from __future__ import annotations

import pytest

from integrations.context.parsing import parse_context_url
from integrations.context.resolution import ContextNotFound
from integrations.context.services import context_resolve
from integrations.providers.http import Unauthorized

pytestmark = pytest.mark.django_db


def resolve(setup, flavour, url):
    known = [("bitbucket-cloud", setup.cloud.host), ("bitbucket-server", setup.server.host)]
    context = parse_context_url(url, known_hosts=known)
    assert context.provider == f"bitbucket-{flavour}"
    return context_resolve(context=context, connection=setup.connections[flavour])


def cloud_url(setup, tail=""):
    return f"{setup.emulator.cloud_web_url}/acme/webapp{tail}"


def server_url(setup, tail=""):
    return f"{setup.emulator.server_url}/projects/ACME/repos/backend{tail}"


def test_cloud_bare_repository_is_its_default_branch(env_setup):
    resolved = resolve(env_setup, "cloud", cloud_url(env_setup))
    branches = env_setup.seeded["cloud"]["branches"]
    assert (resolved.ref, resolved.ref_type, resolved.commit) == ("main", "branch", branches["main"])
    assert resolved.default_branch == "main"


def test_cloud_pull_request_is_its_source_branch_and_full_commit(env_setup):
    resolved = resolve(env_setup, "cloud", cloud_url(env_setup, "/pull-requests/1/diff"))
    assert (resolved.ref, resolved.ref_type) == ("feature/login", "branch")
    assert resolved.commit == env_setup.seeded["cloud"]["branches"]["feature/login"]
    assert len(resolved.commit) == 40  # Cloud answers 12 characters; resolution asks for the whole hash
    assert (resolved.pull_request, resolved.pull_request_title) == (1, "Add login page")


def test_cloud_bare_name_prefers_the_branch_then_the_tag(env_setup):
    seeded = env_setup.seeded["cloud"]
    both = resolve(env_setup, "cloud", cloud_url(env_setup, "/src/v2/"))
    tag_only = resolve(env_setup, "cloud", cloud_url(env_setup, "/src/v1.0.0/README.md"))
    assert (both.ref_type, both.commit) == ("branch", seeded["branches"]["v2"])
    assert (tag_only.ref_type, tag_only.ref, tag_only.commit) == ("tag", "v1.0.0", seeded["tags"]["v1.0.0"])
    assert tag_only.context.path == "README.md"


def test_cloud_explicit_tag_and_branch_with_slashes(env_setup):
    seeded = env_setup.seeded["cloud"]
    tag = resolve(env_setup, "cloud", cloud_url(env_setup, "/commits/tag/v2"))
    branch = resolve(env_setup, "cloud", cloud_url(env_setup, "/branch/feature/login"))
    assert (tag.ref_type, tag.commit) == ("tag", seeded["tags"]["v2"])
    assert (branch.ref_type, branch.ref, branch.commit) == ("branch", "feature/login",
                                                            seeded["branches"]["feature/login"])


def test_cloud_commit_is_detached_at_the_full_hash(env_setup):
    head = env_setup.seeded["cloud"]["branches"]["feature/login"]
    resolved = resolve(env_setup, "cloud", cloud_url(env_setup, f"/commits/{head[:12]}"))
    assert (resolved.ref, resolved.ref_type, resolved.commit) == (None, "commit", head)


def test_cloud_issue_is_the_default_branch_with_a_suggested_branch(env_setup):
    resolved = resolve(env_setup, "cloud", cloud_url(env_setup, "/issues/1/login-button"))
    assert (resolved.ref, resolved.issue, resolved.issue_title) == ("main", 1, "Login button is misaligned!")
    assert resolved.suggested_branch == "alice/login-button-is-misaligned-1"


@pytest.mark.parametrize(("tail", "message"), [
    ("/pull-requests/99", "Pull request #99 does not exist in acme/webapp"),
    ("/issues/42", "Issue #42 does not exist"),
    ("/branch/nope", "nope is neither a branch nor a tag of acme/webapp"),
    ("/commits/tag/v9", "The tag v9 does not exist"),
    ("/commits/deadbeefdeadbeef", "The commit deadbeefdeadbeef does not exist"),
])
def test_cloud_missing_things_are_named(env_setup, tail, message):
    with pytest.raises(ContextNotFound, match=message):
        resolve(env_setup, "cloud", cloud_url(env_setup, tail))


def test_cloud_unknown_repository(env_setup):
    with pytest.raises(ContextNotFound, match="acme/nothing does not exist"):
        resolve(env_setup, "cloud", f"{env_setup.emulator.cloud_web_url}/acme/nothing")


def test_server_default_branch_tag_and_pull_request(env_setup):
    seeded = env_setup.seeded["server"]
    bare = resolve(env_setup, "server", server_url(env_setup, "/browse"))
    tag = resolve(env_setup, "server", server_url(env_setup, "/browse?at=refs/tags/release-1"))
    bare_tag = resolve(env_setup, "server", server_url(env_setup, "/browse?at=release-1"))
    pr = resolve(env_setup, "server", server_url(env_setup, "/pull-requests/1/overview"))
    branch = resolve(env_setup, "server", server_url(env_setup, "/browse?at=refs%2Fheads%2Ffeature%2Fapi"))
    assert (bare.ref, bare.commit, bare.default_branch) == ("develop", seeded["branches"]["develop"], "develop")
    assert (tag.ref_type, tag.ref) == ("tag", "release-1") and len(tag.commit) == 40
    assert (bare_tag.ref_type, bare_tag.commit) == ("tag", tag.commit)
    assert (pr.ref, pr.commit, pr.pull_request) == ("feature/api", seeded["branches"]["feature/api"], 1)
    assert (branch.ref_type, branch.commit) == ("branch", seeded["branches"]["feature/api"])


def test_server_missing_pull_request_and_ssh_remote(env_setup):
    with pytest.raises(ContextNotFound, match="Pull request #7 does not exist in ACME/backend"):
        resolve(env_setup, "server", server_url(env_setup, "/pull-requests/7"))
    host = env_setup.emulator.server_url.split("//")[1].split(":")[0]
    resolved = resolve(env_setup, "server", f"ssh://git@{host}:7999/acme/backend.git")
    assert resolved.ref == "develop"


def test_a_revoked_token_is_an_authorization_error_not_a_missing_repository(env_setup):
    connection = env_setup.connections["server"]
    env_setup.emulator.control("POST", "/server/tokens/revoke", json={"token": connection.access_token})
    with pytest.raises(Unauthorized):
        resolve(env_setup, "server", server_url(env_setup))
