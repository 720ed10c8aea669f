"""The demo's environment command: read the commit through the provider's API with the clone credential, so
the credential's use is real, and say what the environment would be. Exit 1 with the reason otherwise.

`python -m runners.agent.environment_check` with the ENVIRONMENT_* variables the agent sets.
"""

from __future__ import annotations

import os
import sys

import httpx


def main() -> int:
    env = os.environ
    url, commit = env.get("ENVIRONMENT_COMMIT_API_URL", ""), env.get("ENVIRONMENT_COMMIT", "")
    username, password = env.get("ENVIRONMENT_GIT_USERNAME", ""), env.get("ENVIRONMENT_GIT_PASSWORD", "")
    if not url or not commit or not password:
        print("The agent passed no commit URL, commit or credential.", file=sys.stderr)
        return 1
    if env.get("ENVIRONMENT_API_AUTH") == "basic":
        auth = {"auth": (username, password)}
    else:
        auth = {"headers": {"Authorization": f"Bearer {password}"}}
    try:
        response = httpx.get(url, timeout=15.0, **auth)
    except httpx.HTTPError as exc:
        print(f"Cannot reach the provider: {type(exc).__name__}.", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(f"The provider answered HTTP {response.status_code} for the commit.", file=sys.stderr)
        return 1
    try:
        body = response.json()
    except ValueError:
        print("The provider's answer is not JSON.", file=sys.stderr)
        return 1
    found = str(body.get("hash") or body.get("id") or "")
    if not found or not commit.startswith(found) and not found.startswith(commit):
        print(f"The provider describes commit {found[:12] or '?'}, not {commit[:12]}.", file=sys.stderr)
        return 1
    ref = env.get("ENVIRONMENT_REF") or "detached"
    print(f"Environment ready: {env.get('ENVIRONMENT_REPOSITORY')} at {ref} ({commit[:12]}) for "
          f"{env.get('GIT_AUTHOR_NAME')} <{env.get('GIT_AUTHOR_EMAIL')}>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
