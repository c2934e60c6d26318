"""One owner per var/ (an flock the kernel releases however its holder ends), and children that end with
the process that started them, even when it is killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from services.dev.ownership import VarDirInUse, take_var_dir
from services.dev.temporal_dev import pid_alive
from tests.infra.dev_runs import wait_gone

ROOT = Path(__file__).resolve().parents[2]


def test_second_owner_is_refused_with_the_holders_pid(tmp_path):
    owner = take_var_dir(tmp_path / "var", "dev")
    try:
        with pytest.raises(VarDirInUse) as refused:
            take_var_dir(tmp_path / "var", "restore")
        assert refused.value.holder["pid"] == os.getpid()
        assert f"is in use by `tokku dev` (pid {os.getpid()})" in str(refused.value)
    finally:
        owner.release()
    again = take_var_dir(tmp_path / "var", "dev")  # a clean stop leaves nothing stale behind
    assert again.previous == {} and again.take_over_notes() == []
    again.release()


def test_a_stale_lock_is_reported_and_taken_over(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    (var_dir / "tokku.lock").write_text(json.dumps({"pid": 999_999_999, "command": "dev"}))
    owner = take_var_dir(var_dir, "dev")
    try:
        notes = owner.take_over_notes()
        assert notes == [f"found a stale lock in {var_dir / 'tokku.lock'}: `tokku dev` (pid 999999999) is no longer "
                         "running and did not stop cleanly; taking over"]
        assert json.loads((var_dir / "tokku.lock").read_text())["pid"] == os.getpid()
    finally:
        owner.release()


def test_a_killed_holder_releases_the_lock_and_its_child_ends(tmp_path):
    """A process holding var/ starts a child the way `tokku dev` starts Temporal, then dies of SIGKILL."""
    script = textwrap.dedent(f"""
        import subprocess, sys, time
        from pathlib import Path
        from services.dev.ownership import take_var_dir
        from services.dev.temporal_dev import die_with_parent
        owner = take_var_dir(Path({str(tmp_path / "var")!r}), "dev")
        child = subprocess.Popen(["sleep", "120"], preexec_fn=die_with_parent(), start_new_session=True)
        print(child.pid, flush=True)
        time.sleep(120)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    child = int(holder.stdout.readline())
    try:
        assert pid_alive(child)
        with pytest.raises(VarDirInUse):
            take_var_dir(tmp_path / "var", "dev")
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        assert wait_gone([child], timeout=10) == [], "the child outlived its parent"
        owner = take_var_dir(tmp_path / "var", "dev")
        assert owner.previous["pid"] == holder.pid
        owner.release()
    finally:
        if pid_alive(child):
            os.kill(child, signal.SIGKILL)
