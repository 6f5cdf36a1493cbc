#!/usr/bin/env bash
# Install the Debian packages named as arguments that are not installed yet. As root it runs
# apt-get (updating the package lists once, only when something is missing); otherwise it says
# what to install and carries on. Idempotent: with everything present it only asks dpkg.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not a Debian system; please install the equivalent of: ${missing[*]}" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "note: missing Debian packages: ${missing[*]}" >&2
  echo "      install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
