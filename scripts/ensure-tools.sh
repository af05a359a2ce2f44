#!/usr/bin/env bash
# Install the system tools the test-suite uses, when missing and when we may (root + apt).
set -euo pipefail
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# headless browser of the docs site test (tests/test_docs_site.py)
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
# pgTAP: the extension for the server the tests use (15) and pg_prove to run the files
# `driftwatch probe --emit pgtap` writes.
command -v pg_prove >/dev/null 2>&1 || need+=(pgtap)
if [ -d /usr/share/postgresql/15 ] && [ ! -f /usr/share/postgresql/15/extension/pgtap.control ]; then
  need+=(postgresql-15-pgtap)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: missing ${need[*]} and cannot apt-get here; tests needing them will skip" >&2
  exit 0
fi
echo "ensure-tools: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Another process may hold the apt/dpkg lock: wait for it (up to 5 minutes) and retry.
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  if apt-get -o DPkg::Lock::Timeout=30 update -qq >/dev/null \
    && apt-get -o DPkg::Lock::Timeout=30 install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
    break
  fi
  [ "$attempt" -eq 10 ] && { echo "ensure-tools: apt-get failed for ${need[*]}" >&2; exit 1; }
  sleep 5
done
# Debian's package may start its own prometheus service (on :9090); tests start their own
# on loopback, so stop only that packaged service (never other prometheus processes).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl stop prometheus >/dev/null 2>&1 || true
  systemctl disable prometheus >/dev/null 2>&1 || true
elif [ -x /etc/init.d/prometheus ]; then
  /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
