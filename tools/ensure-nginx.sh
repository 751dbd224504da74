#!/usr/bin/env bash
# The replica test (tests/e2e/test_replicas.py) and deploy/run-replicas.sh put two dashboards
# behind Debian's nginx. Install it when missing (CI runs as root on Debian). Nothing here
# touches /etc/nginx or starts the system service: the tests run nginx from a temporary prefix
# (`nginx -p DIR -c FILE -g 'daemon off;'`), as an unprivileged config on a free port.
set -euo pipefail
if [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing: nginx: run 'sudo apt-get install nginx' once" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists: refresh them only when the install fails.
apt-get install -y -qq --no-install-recommends nginx >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nginx >/dev/null
}
