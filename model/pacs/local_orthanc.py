"""A local Orthanc (Debian's orthanc + orthanc-dicomweb) for the tests and the demo: our own configuration, storage
in a folder of ours, a free localhost port, remote access off, sign-in on, the DICOM port off; stopped by its PID.
The package's own service is neither needed nor used."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from model import config
from model.local_process import free_port, wait_for_port


@dataclass(frozen=True)
class LocalOrthanc:
    url: str  # the DICOMweb root
    rest: str  # Orthanc's REST API root (deleting, statistics)
    user: str
    password: str = field(repr=False)
    pid: int = 0


def orthanc_missing() -> str | None:
    if not Path(config.ORTHANC_BINARY).is_file() or not Path(config.ORTHANC_DICOMWEB_PLUGIN).is_file():
        return "Orthanc is not installed (Debian's orthanc and orthanc-dicomweb; scripts/dev.sh test installs them)"
    return None


@contextmanager
def local_orthanc(folder: Path, password: str | None = None, user: str = "cxr") -> Iterator[LocalOrthanc]:
    """Run Orthanc with its storage in `folder` until the block ends."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    password = password or secrets.token_urlsafe(16)
    port = free_port()
    settings = {
        "Name": "cxr-why-local",
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "storage"),
        "HttpPort": port,
        "DicomServerEnabled": False,
        "RemoteAccessAllowed": False,  # its HTTP port binds every interface: only this machine may use it
        "AuthenticationEnabled": True,
        "RegisteredUsers": {user: password},
        "Plugins": [config.ORTHANC_DICOMWEB_PLUGIN],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "Host": f"127.0.0.1:{port}", "Ssl": False},
        "StableAge": 1,
    }
    settings_path = folder / "orthanc.json"
    settings_path.write_text(json.dumps(settings))
    os.chmod(settings_path, 0o600)  # it holds the password
    log = (folder / "orthanc.log").open("wb")
    process = subprocess.Popen([config.ORTHANC_BINARY, str(settings_path)], stdout=log, stderr=subprocess.STDOUT)
    rest = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port, process, 30, lambda: f"Orthanc did not start; see {folder / 'orthanc.log'}")
        yield LocalOrthanc(f"{rest}/dicom-web", rest, user, password, process.pid)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
