"""The files every emulated repository contains, so source URLs (``/src/<ref>/<path>``) resolve."""

from __future__ import annotations


def tree(repo_name: str) -> dict[str, str]:
    return {
        "README.md": f"# {repo_name}\n\nA repository served by the Bitbucket emulator.\n",
        "src/app.py": "print('hello from the emulator')\n",
        "docs/index.md": "# Documentation\n",
    }


def listing(files: dict[str, str], directory: str) -> list[tuple[str, bool]]:
    """Direct children of ``directory`` ("" for the root) as (path, is_directory)."""
    prefix = f"{directory.strip('/')}/" if directory.strip("/") else ""
    children: dict[str, bool] = {}
    for path in files:
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix):]
        head, sep, _ = rest.partition("/")
        children[prefix + head] = bool(sep)
    return sorted(children.items())


def is_directory(files: dict[str, str], path: str) -> bool:
    stripped = path.strip("/")
    return stripped == "" or any(name.startswith(stripped + "/") for name in files)
