"""The dashboard works with no network at all: app and browser run in an empty network namespace."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
PROBE = Path(__file__).with_name("offline_probe.py")


def namespace_command() -> list[str]:
    """unshare a new network namespace (as root, or with a user namespace otherwise) and bring loopback up."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.fail("unshare (util-linux) and ip (iproute2) are needed: sudo apt-get install util-linux iproute2")
    flags = ["-n"] if os.geteuid() == 0 else ["-r", "-n"]
    script = f"ip link set lo up && exec {sys.executable} {PROBE}"
    return ["unshare", *flags, "sh", "-c", script]


def test_map_draws_with_no_network_and_requests_nothing_outside() -> None:
    res = subprocess.run(namespace_command(), capture_output=True, text=True, timeout=240, cwd=PROBE.parents[2])
    assert res.returncode == 0, res.stderr[-3000:]
    report = json.loads(res.stdout.strip().splitlines()[-1])
    assert report["drawn"] > 5
    assert report["foreign"] == []
