#!/usr/bin/env bash
# Install the system tools the test-suite uses, when missing and when we may (root + apt).
set -euo pipefail
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# headless browser of the docs site test (tests/test_docs_site.py)
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tools: missing ${need[*]} and cannot apt-get here; tests needing them will skip" >&2
  exit 0
fi
echo "ensure-tools: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Another process may hold the dpkg lock for a while: wait for it (up to 10 minutes).
for attempt in $(seq 1 30); do
  if apt-get update -qq >/dev/null 2>&1 \
    && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
    break
  fi
  if [ "$attempt" -eq 30 ]; then
    echo "ensure-tools: could not install ${need[*]}; tests needing them will skip" >&2
    exit 0
  fi
  sleep 20
done
# Debian's package may start its own prometheus service (on :9090); tests start their own
# on loopback, so stop only that packaged service (never other prometheus processes).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl stop prometheus >/dev/null 2>&1 || true
  systemctl disable prometheus >/dev/null 2>&1 || true
elif [ -x /etc/init.d/prometheus ]; then
  /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
