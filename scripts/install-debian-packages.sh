#!/usr/bin/env bash
# Installs the Debian packages named as arguments (none: nothing to do). As root they are
# installed from the package registry (the index is refreshed first); otherwise the command to
# run is printed and the script fails.
set -euo pipefail

if [ $# -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: $*" >&2
  echo "Install them as root: apt-get install -y $*" >&2
  exit 1
fi
echo "Installing Debian packages: $*"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "$@" >/dev/null
