"""Safe to serve: the dashboard's entry point keeps its safe settings wherever it is started from."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from dashboard.browser_harness import free_port, wait_until_healthy
from dashboard.serve import command
from model import config


def test_the_entry_points_settings_and_the_repositorys_config_file_agree():
    toml = tomllib.loads((config.REPO_ROOT / ".streamlit" / "config.toml").read_text())
    flat = {f"{section}.{key}": str(value).lower() for section, values in toml.items() for key, value in values.items()}
    assert flat == {key: value.lower() for key, value in config.DASHBOARD_SERVER_SETTINGS.items()}


def test_a_callers_flag_overrides_one_setting_and_keeps_the_rest():
    line = command(["--server.address", "0.0.0.0", "--server.port=9000"])
    assert "--server.address=localhost" not in line
    assert line[-3:] == ["--server.address", "0.0.0.0", "--server.port=9000"]
    assert "--client.showErrorDetails=none" in line


def _listening(port: int) -> list[str]:
    """Local addresses of sockets listening on `port`, from the kernel's own tables."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1 as the kernel writes them


def test_started_from_another_folder_it_listens_on_this_machine_only(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.serve", "--server.port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", process, 90, "the dashboard did not start")
        addresses = _listening(port)
        assert addresses and set(addresses) <= LOOPBACK, addresses
    finally:
        process.kill()
        process.wait(20)
