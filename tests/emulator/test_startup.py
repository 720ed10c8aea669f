"""Process startup: the READY line, free ports, context paths, seeds; and the pytest fixtures."""

from __future__ import annotations

import httpx
import pytest

from emulator.testing import EmulatorError, RunningEmulator, start_emulator


def test_session_emulator_urls(emulator: RunningEmulator):
    assert emulator.base_url.startswith("http://127.0.0.1:")
    assert emulator.cloud_web_url == emulator.cloud_api_url == emulator.base_url
    assert emulator.server_url == emulator.base_url + "/bbs/bitbucket"
    props = httpx.get(f"{emulator.server_url}/rest/api/1.0/application-properties")
    assert props.status_code == 200


def test_reset_empties_state(emulator: RunningEmulator):
    emulator.control("POST", "/cloud/users", json={"username": "temp"})
    assert emulator.control("GET", "/state")["cloud"]["users"] == ["temp"]
    emulator.reset()
    assert emulator.control("GET", "/state")["cloud"]["users"] == []


def test_control_errors_raise(emulator: RunningEmulator):
    with pytest.raises(EmulatorError, match="400"):
        emulator.control("POST", "/cloud/tokens", json={"kind": "nonsense"})


def test_empty_context_path_and_demo_seed():
    with start_emulator(server_context_path="", seed="demo", server_version="9.2.1") as emu:
        assert emu.server_url == emu.base_url + "/bbs"
        props = httpx.get(f"{emu.server_url}/rest/api/1.0/application-properties").json()
        assert props["version"] == "9.2.1"
        repos = httpx.get(f"{emu.server_url}/rest/api/1.0/repos", auth=("alice", "alice-password")).json()
        assert repos["values"][0]["links"]["clone"][0]["href"] == f"{emu.server_url}/scm/acme/backend.git"
        state = emu.control("GET", "/state")
        assert state["cloud"]["users"] == ["alice-bb", "bob-bb"]
        assert set(state["cloud"]["workspaces"]) == {"acme", "alice-bb"}
        # A reset goes back to the seed, not to nothing.
        emu.control("POST", "/cloud/users", json={"username": "temp"})
        emu.reset()
        assert emu.control("GET", "/state")["cloud"]["users"] == ["alice-bb", "bob-bb"]
    assert emu.process is not None and emu.process.poll() is not None


def test_a_failing_start_reports_stderr():
    with pytest.raises(EmulatorError, match="did not start"):
        start_emulator(seed="no-such-seed")


def test_the_emulator_imports_nothing_from_the_portal():
    import subprocess
    import sys

    code = (
        "import sys, pkgutil, importlib, emulator\n"
        "for m in pkgutil.walk_packages(emulator.__path__, 'emulator.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [n for n in sys.modules if n.split('.')[0] in ('django', 'integrations', 'portal', 'runners')]\n"
        "print(bad)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
