#!/usr/bin/env bash
# Browser tests drive Debian's chromium, and render the printed handout with pdftoppm
# (poppler-utils); intake turns rotated JPEGs upright losslessly with jpegtran
# (libjpeg-turbo-progs). Install what is missing (CI runs as root on Debian).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/pdftoppm ] || missing+=(poppler-utils)
[ -x /usr/bin/jpegtran ] || missing+=(libjpeg-turbo-progs)
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing: ${missing[*]}: run 'sudo apt-get install ${missing[*]}' once" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
