"""One test per real delivery (tests/reference/bitbucket/payloads): what the portal makes of it.

Zulip's model: the handled events are declared by their handlers, every fixture goes through the same
`parse()` the receiver and `manage.py parse_webhook` use, and a handler meeting an event it does not
declare fails loudly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.providers.bitbucket_cloud import webhooks as cloud
from integrations.providers.bitbucket_server import webhooks as server
from integrations.webhooks.events import MalformedPayload, UndeclaredEvent
from integrations.webhooks.parsing import FORMATS, parse

PAYLOADS = Path(__file__).resolve().parents[1] / "reference" / "bitbucket" / "payloads"
CLOUD, SERVER = "bitbucket-cloud", "bitbucket-server"


def change(ref, old, new):
    return {"ref": ref, "old": old, "new": new, "created": old is None, "deleted": new is None}


def pr(number, action, source, source_commit, target, target_commit, author):
    return {"id": number, "action": action, "source_ref": source, "source_commit": source_commit,
            "target_ref": target, "target_commit": target_commit, "author": author}


# fixture -> (provider, X-Event-Key, repository, changes, pull request)
HANDLED = {
    "api/cloud-repo-push.json": (CLOUD, "repo:push", "brydzewski/foo", [change(
        "refs/heads/master", "40e7580cf11311d84a6e5e97e2cbba6df1675750", "141977fedf5cf35aa290ac87d4b5177ac4cd9de1")],
        None),
    "api/cloud-repo-push-signed.json": (CLOUD, "repo:push", "nfalco79/test-repos", [change(
        "refs/heads/feature/webhook", None, "d7f300a32270053bdfd97a6d64113f58202c33e7")], None),
    "api/cloud-pullrequest-created.json": (CLOUD, "pullrequest:created", "amuniz/test-repos", [], pr(
        735, "opened", "refs/heads/feature/test", "d31df3425c5b", "refs/heads/master", "320cc39764dc",
        "Nikolas Falco")),
    "api/cloud-pullrequest-created-2018.json": (CLOUD, "pullrequest:created", "brydzewski/foo", [], pr(
        1, "opened", "refs/heads/develop", "507a576e59b3", "refs/heads/master", "7d1a175411ef", "brydzewski")),
    "api/cloud-pullrequest-updated.json": (CLOUD, "pullrequest:updated", "brydzewski/foo", [], pr(
        1, "updated", "refs/heads/develop", "0704fc5beccc", "refs/heads/master", "7d1a175411ef", "brydzewski")),
    "api/cloud-pullrequest-fulfilled.json": (CLOUD, "pullrequest:fulfilled", "brydzewski/foo", [], pr(
        1, "merged", "refs/heads/develop", "0704fc5beccc", "refs/heads/master", "7d1a175411ef", "brydzewski")),
    "api/cloud-pullrequest-rejected.json": (CLOUD, "pullrequest:rejected", "brydzewski/foo", [], pr(
        2, "declined", "refs/heads/develop", "6ca9fe26898a", "refs/heads/master", "4f8f6de9d0ff", "brydzewski")),
    "zulip/bitbucket2/pull_request_created_or_updated_without_username.json": (
        CLOUD, "pullrequest:created", "kolaszek/repository-name", [], pr(
            1, "opened", "refs/heads/new-branch", "9c833166dcef", "refs/heads/master", "32c4ea19aa3a",
            "Tomasz Kolaszek")),
    "zulip/bitbucket2/pull_request_created_or_updated.json": (
        CLOUD, "pullrequest:updated", "kolaszek/repository-name", [], pr(
            1, "updated", "refs/heads/new-branch", "9c833166dcef", "refs/heads/master", "32c4ea19aa3a",
            "Tomasz Kolaszek")),
    "zulip/bitbucket2/pull_request_fulfilled_or_rejected.json": (
        CLOUD, "pullrequest:fulfilled", "kolaszek/repository-name", [], pr(
            1, "merged", "refs/heads/new-branch", "9c833166dcef", "refs/heads/master", "32c4ea19aa3a",
            "Tomasz Kolaszek")),
    "zulip/bitbucket2/force_push.json": (CLOUD, "repo:push", "kolaszek/repository-name", [change(
        "refs/heads/master", "32c4ea19aa3af10acd08e419e2c354941a365d74", "25f93d22b719e2d678a7ad5ee0ef0d1fcdf39c12")],
        None),
    "zulip/bitbucket2/push.json": (CLOUD, "repo:push", "kolaszek/repository-name", [change(
        "refs/heads/master", None, "84b96adc644a30fd6465b3d196369d880762afed")], None),
    "zulip/bitbucket2/more_than_one_push_event.json": (CLOUD, "repo:push", "kolaszek/repository-name", [
        change("refs/heads/master", None, "84b96adc644a30fd6465b3d196369d880762afed"),
        change("refs/tags/a", None, "450118afff93569d1ce362174e9f1a7f104f9166")], None),
    "zulip/bitbucket2/push_more_than_one_tag.json": (CLOUD, "repo:push", "kolaszek/repository-name", [
        change("refs/tags/a", None, "450118afff93569d1ce362174e9f1a7f104f9166"),
        change("refs/tags/b", None, "450118afff93569d1ce362174e9f1a7f104f9166")], None),
    "zulip/bitbucket2/push_remove_tag.json": (CLOUD, "repo:push", "kolaszek/repository-name", [change(
        "refs/tags/a", "450118afff93569d1ce362174e9f1a7f104f9166", None)], None),
    "zulip/bitbucket2/remove_branch.json": (CLOUD, "repo:push", "kolaszek/repository-name", [change(
        "refs/heads/master", "25f93d22b719e2d678a7ad5ee0ef0d1fcdf39c12", None)], None),
    "zulip/bitbucket2/push_commits_above_limit.json": (CLOUD, "repo:push", "kolaszek/repository-name", [change(
        "refs/heads/master", "1221f2fda6f1e3654b09f1f3a08390e4cb25bb48", "6f161a7bced94430ac8947d87dbf45c6deee3fb0")],
        None),
    "zulip/bitbucket2/push_without_changes.json": (CLOUD, "repo:push", "webhooktest/test-repo", [], None),
    "api/server-repo-refs_changed.json": (SERVER, "repo:refs_changed", "PRJ/my-repo", [change(
        "refs/heads/master", "5c64a07cd6c0f21b753bf261ef059c7e7633c50a", "823b2230a56056231c9425d63758fa87078a66b4")],
        None),
    # Data Center 10.3: ISO-8601 dates, and links under the /stash context path.
    "api/server-repo-refs_changed-dc10.json": (SERVER, "repo:refs_changed", "PENGINE/product-engine", [change(
        "refs/heads/develop", "c112673b9efd82794bf73a1ff6ff8ad6708e9df5", "d29fa17bbe9979c3f603e0f11574735da88bf27f")],
        None),
    "api/server-repo-refs_changed-branch-delete.json": (SERVER, "repo:refs_changed", "AMUNIZ/test-repos", [change(
        "refs/heads/feature/BB-1", "fb522a6f08c7c7df337312e4e65ec1b57710672e", None)], None),
    "api/server-pr-opened.json": (SERVER, "pr:opened", "PRJ/my-repo", [], pr(
        2, "opened", "refs/heads/develop", "208b0a5c05eddadad01f2aed8802fe0c3b3eaf5e", "refs/heads/master",
        "823b2230a56056231c9425d63758fa87078a66b4", "jcitizen")),
    # DC 10.3+ sends createdDate/updatedDate as ISO strings; links carry the /bitbucket context path.
    "api/server-pr-opened-iso-dates.json": (SERVER, "pr:opened", "AMUNIZ/test-repos", [], pr(
        1, "opened", "refs/heads/feature/diffstat", "251fce291f086cdde68ae2a896148abb5b58033e", "refs/heads/master",
        "174561d625c9623b60d8aba09b7f08ddc9df45cd", "admin")),
    "api/server-pr-from_ref_updated.json": (SERVER, "pr:from_ref_updated", "PRJ/my-repo", [], pr(
        2, "updated", "refs/heads/feature-2", "c00d0f269a9844dd168f72f6a9d78a9cff49a318", "refs/heads/master",
        "823b2230a56056231c9425d63758fa87078a66b4", "jcitizen")),
    "api/server-pr-merged.json": (SERVER, "pr:merged", "PRJ/my-repo", [], pr(
        3, "merged", "refs/heads/develop", "b9eaed50a03c073b20dfa82e5e753d295e7f0e56", "refs/heads/master",
        "823b2230a56056231c9425d63758fa87078a66b4", "jcitizen")),
    "api/server-pr-declined.json": (SERVER, "pr:declined", "PRJ/my-repo", [], pr(
        2, "declined", "refs/heads/develop", "b9eaed50a03c073b20dfa82e5e753d295e7f0e56", "refs/heads/master",
        "823b2230a56056231c9425d63758fa87078a66b4", "jcitizen")),
    "zulip/bitbucket3/repo_push_update_multiple_branches.json": (SERVER, "repo:refs_changed", "SBOX/sandbox", [
        change("refs/heads/branch1", "9e5afb9f11a396eae4bf24755505d931b530649a",
               "3980c2be32a7e23c795741d5dc1a2eecb9b85d6d"),
        change("refs/heads/master", "cb2e368ba3aca8a510f89667ae97b56d6a323db7",
               "fc43d13cff1abb28631196944ba4fc4ad06a2cf2")], None),
    "zulip/bitbucket3/repo_push_add_tag.json": (SERVER, "repo:refs_changed", "SBOX/sandbox", [change(
        "refs/tags/newtag", None, "9b5565bec1d0e8d5d60d423fe70b54849d3aacc4")], None),
    "zulip/bitbucket3/repo_push_add_branch.json": (SERVER, "repo:refs_changed", "SBOX/sandbox", [change(
        "refs/heads/branch2", None, "c7fccd35e163571148c42a3e8b11aef6661d19b8")], None),
    "zulip/bitbucket3/repo_push_delete_tag.json": (SERVER, "repo:refs_changed", "SBOX/sandbox", [change(
        "refs/tags/test-tag", "b223099667fb4f71dd4f6f7d61cd2b7cdb184b37", None)], None),
    "zulip/bitbucket3/pull_request_declined.json": (SERVER, "pr:declined", "SBOX/sandbox", [], pr(
        7, "declined", "refs/heads/crazy_idea", "dd17f2eaad634e292068ef7f353b3538334d31f1", "refs/heads/master",
        "1015204bf62881c5ef9e18e6e73e0211a667a00c", "hypro999")),
}

# Events a project's hook may still send (or a user may add by hand) that the portal does not act on.
IGNORED = {
    "zulip/bitbucket2/commit_comment_created.json": (CLOUD, "repo:commit_comment_created"),
    "zulip/bitbucket2/commit_status_changed.json": (CLOUD, "repo:commit_status_updated"),
    "zulip/bitbucket2/fork.json": (CLOUD, "repo:fork"),
    "zulip/bitbucket2/issue_created.json": (CLOUD, "issue:created"),
    "zulip/bitbucket2/issue_commented.json": (CLOUD, "issue:comment_created"),
    "zulip/bitbucket2/pull_request_approved_or_unapproved.json": (CLOUD, "pullrequest:approved"),
    "zulip/bitbucket2/pull_request_comment_action.json": (CLOUD, "pullrequest:comment_created"),
    "zulip/bitbucket2/repo_updated.json": (CLOUD, "repo:updated"),
    "zulip/bitbucket3/commit_comment_added.json": (SERVER, "repo:comment:added"),
    "zulip/bitbucket3/pull_request_approved.json": (SERVER, "pr:reviewer:approved"),
    "zulip/bitbucket3/pull_request_modified.json": (SERVER, "pr:modified"),
    "zulip/bitbucket3/pull_request_deleted.json": (SERVER, "pr:deleted"),
    "zulip/bitbucket3/repo_forked.json": (SERVER, "repo:forked"),
    "zulip/bitbucket3/repo_modified.json": (SERVER, "repo:modified"),
}

PINGS = {
    "api/server-diagnostics-ping.json": (SERVER, "diagnostics:ping"),
    "zulip/bitbucket3/diagnostics_ping.json": (SERVER, "diagnostics:ping"),
}


def _body(fixture: str) -> bytes:
    return (PAYLOADS / fixture).read_bytes()


@pytest.mark.parametrize("fixture", sorted(HANDLED))
def test_handled_delivery(fixture):
    provider, event_key, repository, changes, pull_request = HANDLED[fixture]
    event = parse(provider, event_key, _body(fixture)).as_json()
    assert event["event"] == ("pull_request" if pull_request else "push")
    assert event["repository"] == repository
    assert event["changes"] == changes
    if pull_request is None:
        assert event["pull_request"] is None
    else:
        got = dict(event["pull_request"])
        assert isinstance(got.pop("title"), str)
        assert got == pull_request


@pytest.mark.parametrize("fixture", sorted(IGNORED))
def test_ignored_delivery(fixture):
    provider, event_key = IGNORED[fixture]
    event = parse(provider, event_key, _body(fixture))
    assert event.kind == "ignored" and not event.handled
    assert event.as_json()["changes"] == [] and event.as_json()["pull_request"] is None


@pytest.mark.parametrize("fixture", sorted(PINGS))
def test_ping_delivery(fixture):
    provider, event_key = PINGS[fixture]
    assert parse(provider, event_key, _body(fixture)).kind == "ping"


def test_every_handled_event_has_a_fixture():
    covered = {(provider, key) for provider, key, *_ in HANDLED.values()}
    for provider, fmt in FORMATS.items():
        missing = {key for key in fmt.handled_events if (provider, key) not in covered}
        assert not missing, f"{provider}: handled events without a fixture: {sorted(missing)}"


def test_hooks_subscribe_only_to_handled_events():
    for provider, fmt in FORMATS.items():
        assert set(fmt.subscribed_events) <= fmt.handled_events, provider


def test_a_handler_meeting_an_undeclared_event_fails():
    with pytest.raises(UndeclaredEvent, match="pr:modified"):
        server.pull_request("pr:modified", {})
    with pytest.raises(UndeclaredEvent, match="pullrequest:approved"):
        cloud.EVENT_HANDLER_MAP["pullrequest:created"]("pullrequest:approved", {})


@pytest.mark.parametrize(("provider", "key", "body", "reason"), [
    (CLOUD, "repo:push", b"{not json", "not valid JSON"),
    (CLOUD, "repo:push", b"[1, 2]", "not a JSON object"),
    (CLOUD, "repo:push", b"\xff\xfe{}", "not UTF-8"),
    (CLOUD, "repo:push", b'{"repository": {"full_name": "a/b"}}', "push is missing"),
    (CLOUD, "repo:push", b'{"repository": {"full_name": "a/b"}, "push": {"changes": [{"old": null, "new": '
                         b'{"type": "commit", "name": "x", "target": {"hash": "abc"}}}]}}', "not a branch or tag"),
    (CLOUD, "pullrequest:created", b'{"repository": {"full_name": "a/b"}, "pullrequest": {"id": "7"}}',
     "pullrequest.id is not a number"),
    (SERVER, "repo:refs_changed", b'{"eventKey": "repo:refs_changed", "changes": []}', "repository is missing"),
    (SERVER, "pr:opened", b'{"eventKey": "pr:merged", "pullRequest": {}}', "body is a 'pr:merged' event"),
    (SERVER, "diagnostics:ping", b"", "not valid JSON"),
])
def test_malformed_payloads_say_why(provider, key, body, reason):
    with pytest.raises(MalformedPayload, match=reason):
        parse(provider, key, body)
