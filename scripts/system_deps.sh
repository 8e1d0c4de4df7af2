#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium (browser tests) and the WordPress stack
# (publishing tests). Installs only what is missing; needs root (as on this machine kind).
set -euo pipefail
wanted=(chromium mariadb-server php-cli php-mysql wordpress)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "system_deps: missing Debian packages (${missing[*]}); install them as root" >&2
  exit 1
fi
echo "system_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
