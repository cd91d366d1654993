#!/usr/bin/env bash
# Installs the Debian packages the project needs when they are missing.
#   scripts/system-packages.sh run    gettext (compile translations), Pango, HarfBuzz's subsetter
#                                     and a CJK font (WeasyPrint PDFs of the reports, in Chinese;
#                                     without libharfbuzz-subset WeasyPrint falls back to
#                                     fontTools, which takes seconds per PDF with a CJK font)
#   scripts/system-packages.sh test   the above, plus chromium (browser tests)
set -euo pipefail

want=()
command -v msgfmt >/dev/null 2>&1 || want+=(gettext)
ldconfig -p 2>/dev/null | grep 'libpango-1.0.so' >/dev/null || want+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep 'libharfbuzz-subset.so' >/dev/null || want+=(libharfbuzz-subset0)
fc-list 2>/dev/null | grep -i 'Noto Sans CJK' >/dev/null || want+=(fonts-noto-cjk)
if [[ "${1:-run}" == "test" ]]; then
  [[ -x /usr/bin/chromium ]] || want+=(chromium)
fi

if [[ ${#want[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${want[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages with sudo: ${want[*]}"
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
else
  echo "Missing system packages: ${want[*]} — install them with your package manager." >&2
  exit 1
fi
