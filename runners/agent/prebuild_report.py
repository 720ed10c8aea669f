"""The default prebuild command: read the commit's metadata from the provider with the clone credential
and write a short report (to the output and to prebuild-report.json in the work directory).

    python -m runners.agent.prebuild_report

It reads the PREBUILD_* environment the agent sets. Exit status 1 when the provider refuses the credential
or does not know the commit: the prebuild fails, visibly, for the reason printed.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime

import httpx

TIMEOUT = 15.0


def _auth(env) -> httpx.Auth | dict:
    username, password = env.get("PREBUILD_GIT_USERNAME", ""), env.get("PREBUILD_GIT_PASSWORD", "")
    if env.get("PREBUILD_API_AUTH") == "basic":
        return httpx.BasicAuth(username, password)
    return {"Authorization": f"Bearer {password}"}


def _summary(data: dict) -> dict:
    """Cloud's commit (hash, author.raw, date) or Server's (id, author.name, authorTimestamp in ms)."""
    if "hash" in data:
        author = (data.get("author") or {}).get("raw") or ""
        return {"commit": data.get("hash"), "author": author, "date": data.get("date"),
                "message": str(data.get("message") or "").strip().splitlines()[:1]}
    stamp = data.get("authorTimestamp")
    date = datetime.fromtimestamp(stamp / 1000, UTC).isoformat() if isinstance(stamp, int | float) else None
    author = data.get("author") or {}
    return {"commit": data.get("id"), "author": f"{author.get('name', '')} <{author.get('emailAddress', '')}>",
            "date": date, "message": str(data.get("message") or "").strip().splitlines()[:1]}


def main(env=os.environ) -> int:
    url = env.get("PREBUILD_COMMIT_API_URL", "")
    print(f"Prebuild of {env.get('PREBUILD_REPOSITORY')} at {env.get('PREBUILD_REF')} "
          f"({env.get('PREBUILD_COMMIT', '')[:12]})", flush=True)
    if not url:
        print("No commit API URL for this provider: nothing to read.")
        return 1
    auth = _auth(env)
    headers = {"Accept": "application/json", **(auth if isinstance(auth, dict) else {})}
    try:
        response = httpx.get(url, headers=headers, auth=None if isinstance(auth, dict) else auth, timeout=TIMEOUT,
                             follow_redirects=False)
    except httpx.HTTPError as exc:
        print(f"Cannot reach the provider: {type(exc).__name__}")
        return 1
    if response.status_code != 200:
        print(f"The provider answered HTTP {response.status_code} for the commit.")
        return 1
    try:
        report = _summary(response.json())
    except ValueError:
        print("The provider's answer is not JSON.")
        return 1
    report["repository"], report["ref"] = env.get("PREBUILD_REPOSITORY"), env.get("PREBUILD_REF")
    print(f"Commit:  {report['commit']}")
    print(f"Author:  {report['author']}")
    print(f"Date:    {report['date']}")
    print(f"Message: {report['message'][0] if report['message'] else ''}")
    path = os.path.join(env.get("PREBUILD_WORKDIR") or ".", "prebuild-report.json")
    with open(path, "w") as fh:
        json.dump(report, fh, indent=2)
    print("Report written to prebuild-report.json. Prebuild done.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
