"""The dashboard's entry point: `python -m dashboard.serve [streamlit flags]` (scripts/dev.sh and `cxr-dashboard`).

Streamlit reads `.streamlit/config.toml` only from the folder it is started in; started anywhere else it listened
on every interface and showed tracebacks. This entry point passes the safe settings (config.DASHBOARD_SERVER_SETTINGS)
on the command line, so they hold wherever it starts; flags given after it override them one by one (the README's
network section says when and how to widen the address).
"""

from __future__ import annotations

import os
import sys

from model import config

APP = config.REPO_ROOT / "dashboard" / "app.py"


def command(extra: list[str]) -> list[str]:
    """The `streamlit run` command line: the safe settings, then the caller's flags (which win where they repeat)."""
    given = {flag.split("=", 1)[0].removeprefix("--") for flag in extra if flag.startswith("--")}
    settings = [f"--{name}={value}" for name, value in config.DASHBOARD_SERVER_SETTINGS.items() if name not in given]
    return [sys.executable, "-m", "streamlit", "run", str(APP), *settings, *extra]


def main() -> None:
    arguments = command(sys.argv[1:])
    os.execv(arguments[0], arguments)


if __name__ == "__main__":
    main()
