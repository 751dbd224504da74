#!/usr/bin/env bash
# Browser tests drive Debian's chromium, and render the printed handout with pdftoppm
# (poppler-utils); intake turns rotated JPEGs upright losslessly with libjpeg-turbo's transform,
# in-process from libturbojpeg0, or jpegtran (libjpeg-turbo-progs, which depends on
# libturbojpeg0). Install what is missing (CI runs as root on Debian).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/pdftoppm ] || missing+=(poppler-utils)
[ -x /usr/bin/jpegtran ] || missing+=(libjpeg-turbo-progs)
ls /usr/lib/*/libturbojpeg.so.0 >/dev/null 2>&1 || missing+=(libturbojpeg0)
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing: ${missing[*]}: run 'sudo apt-get install ${missing[*]}' once" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
