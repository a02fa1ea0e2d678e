#!/usr/bin/env bash
# Install the Debian packages the test suite needs (PostgreSQL 15 + PostGIS, redis-server for the Celery
# tests, chromium for the browser tests: Playwright drives Debian's browser and never downloads one), only
# when absent.
# Idempotent: a second run checks and returns in well under a second.
set -euo pipefail
need=()
for pkg in postgresql-15 postgresql-15-postgis-3 redis-server chromium fonts-dejavu-core; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${need[*]} (run as root, or install them yourself)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "installed: ${need[*]}"
