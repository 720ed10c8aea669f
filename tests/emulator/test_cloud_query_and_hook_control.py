"""The emulator's BBQL subset (`q=`, `sort=`) on repository lists, and the control API's hook list/delete."""

from __future__ import annotations

from urllib.parse import quote

from tests.emulator.seeded import CLOUD_REPOS, SeededEmulator


def names(seeded: SeededEmulator, query: str, token: str | None = None) -> list[str]:
    page = seeded.get(f"{seeded.cloud}/2.0/repositories/acme?pagelen=100&{query}", token or seeded.alice_oauth)
    assert page.status_code == 200, page.text
    return [repo["full_name"] for repo in page.json()["values"]]


def test_q_filters_by_name_and_full_name_with_and_or_and_sort_orders(seeded: SeededEmulator):
    assert names(seeded, "q=" + quote('name ~ "A"')) == [f"acme/{s}" for s in CLOUD_REPOS if "a" in s]
    either = quote(f'full_name = "acme/{CLOUD_REPOS[0]}" OR full_name = "acme/{CLOUD_REPOS[-1]}"')
    assert names(seeded, "q=" + either) == [f"acme/{CLOUD_REPOS[0]}", f"acme/{CLOUD_REPOS[-1]}"]
    both = quote(f'(name ~ "{CLOUD_REPOS[0][:2]}") AND is_private = true')
    assert names(seeded, "q=" + both)[0] == f"acme/{CLOUD_REPOS[0]}"
    assert names(seeded, "sort=-name") == sorted((f"acme/{s}" for s in CLOUD_REPOS), reverse=True)
    bad = seeded.get(f"{seeded.cloud}/2.0/repositories/acme?q=" + quote('colour = "red"'), seeded.alice_oauth)
    assert bad.status_code == 400 and "Invalid query" in bad.json()["error"]["message"]


def test_hooks_control_lists_and_deletes_without_secrets(seeded: SeededEmulator, emulator):
    repo = f"acme/{CLOUD_REPOS[0]}"
    created = seeded.request("POST", f"{seeded.cloud}/2.0/repositories/{repo}/hooks", seeded.alice_oauth,
                             json={"url": "https://portal.example/hooks/x/", "events": ["repo:push"],
                                   "secret": "s3cret-value"})
    assert created.status_code == 201, created.text
    hooks = emulator.control("GET", "/cloud/hooks", params={"repository": repo})
    assert [h["url"] for h in hooks] == ["https://portal.example/hooks/x/"]
    assert hooks[0]["secret_set"] is True and "s3cret-value" not in str(hooks)
    assert emulator.control("DELETE", "/cloud/hooks", params={"repository": repo, "uid": hooks[0]["uuid"]}) == {
        "deleted": 1}
    assert emulator.control("GET", "/cloud/hooks", params={"repository": repo}) == []
