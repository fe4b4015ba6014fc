#!/bin/sh
# Entry of the compose services: installs the project's npm dependencies when package-lock.json changed, then runs the command.
set -eu
cd "${CXL_HARNESS_PROJECT:-/project}"
stamp=node_modules/.cxl-harness-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "cxl-harness: installing npm dependencies (package-lock.json changed)" >&2
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
exec "$@"
