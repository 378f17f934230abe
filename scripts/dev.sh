#!/usr/bin/env bash
# One entry point for people and CI: set everything up, then open the dashboard or run every test.
#   bash scripts/dev.sh dashboard   # venv + packages, then streamlit run (http://localhost:8501)
#   bash scripts/dev.sh test        # venv + packages + Debian's chromium, postgresql and orthanc, then every test
#   bash scripts/dev.sh pacs        # venv + packages + Debian's orthanc, then a local PACS loaded with demo films
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
VENV=.venv

setup_python() {
  if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating $VENV with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$1"
  # The project itself, editable: `model` and `dashboard` import from anywhere without sys.path patching.
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
}

setup_debian_packages() {
  # What the tests start as their own processes: Debian's chromium (driven by Playwright; its own browser download
  # is never used), PostgreSQL 15 (a throwaway cluster per test run) and Orthanc with its DICOMweb plugin (a PACS per
  # test module). The arguments name which; each is installed when missing, as root or with sudo.
  local missing=()
  for want in "$@"; do
    case "$want" in
      chromium) command -v chromium >/dev/null || missing+=(chromium) ;;
      postgresql) [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql) ;;
      orthanc)
        [ -x /usr/sbin/Orthanc ] || missing+=(orthanc)
        [ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || missing+=(orthanc-dicomweb)
        ;;
    esac
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
  if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
    echo "Installing Debian's ${missing[*]} for the tests"
    $sudo apt-get update -qq
    # policy-rc.d 101: the packages' own services are not started (the tests start their own, on free ports)
    local policy=/usr/sbin/policy-rc.d placed=""
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && placed=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    if [ -n "$placed" ]; then $sudo rm -f "$policy"; fi
  else
    echo "${missing[*]} not installed and apt-get needs root: the tests that need them will be skipped." >&2
  fi
}

case "${1:-}" in
  dashboard)
    setup_python requirements.txt
    shift
    # The entry point passes the safe server settings itself (localhost only, no tracebacks), wherever it starts.
    exec "$VENV/bin/python" -m dashboard.serve "$@"
    ;;
  pacs)
    setup_python requirements.txt
    setup_debian_packages orthanc
    shift
    exec "$VENV/bin/python" scripts/pacs_demo.py "$@"
    ;;
  test)
    setup_python requirements-dev.txt
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-dev-nodeps.txt
    setup_debian_packages chromium postgresql orthanc
    shift
    echo "ruff: lint and import order"
    "$VENV/bin/python" -m ruff check .
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: bash scripts/dev.sh dashboard|test|pacs [extra arguments]" >&2
    exit 2
    ;;
esac
