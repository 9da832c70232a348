#!/usr/bin/env bash
# Installs what the browser test needs: playwright-core from npm (it drives
# Debian's /usr/bin/chromium; no browser download). Idempotent; quiet when
# everything is present.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/package.json" ] && [ -x /usr/bin/chromium ] && command -v npm >/dev/null && [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && npm install --silent --no-audit --no-fund >/dev/null)
fi
