#!/usr/bin/env bash
# Installs what the test suite needs from Debian packages when it is missing:
# a MariaDB server (started by the tests themselves, never as a service), Chromium, and Node.js
# with npm (`make test` installs axe-core from the npm registry with them).
set -euo pipefail

missing=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server mariadb-client)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium fonts-dejavu-core)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

exec "$(dirname "$0")/install-debian-packages.sh" ${missing[@]+"${missing[@]}"}
