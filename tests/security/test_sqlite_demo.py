"""The demo's SQLite database under concurrent writes (finding F8: 40 concurrent invitations gave 32 × 500
"database is locked")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_forty_concurrent_invitations_all_succeed_on_sqlite(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tests.security.sqlite_concurrency", str(tmp_path / "demo.sqlite3")],
                          cwd=ROOT, capture_output=True, text=True, timeout=180,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["errors"] == []
    assert summary["invitations"] == 40
