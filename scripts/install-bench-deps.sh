#!/usr/bin/env bash
# Installs what `make bench` needs beyond the test suite, from Debian packages when missing:
# wrk, the HTTP load generator of the requests-per-second benchmark.
set -euo pipefail

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)

exec "$(dirname "$0")/install-debian-packages.sh" ${missing[@]+"${missing[@]}"}
