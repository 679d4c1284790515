#!/usr/bin/env bash
# Development run: the development identity provider (demo users in deploy/dev-idp/users.yaml) and the
# assistant behind it, on http://127.0.0.1:8000. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export ASSISTANT_PROFILE=development ASSISTANT_CONFIG=deploy/dev.yaml
ready=$(mktemp)
node deploy/dev-idp/server.js --dev --port 8180 --users deploy/dev-idp/users.yaml --realm demo >"$ready" &
idp=$!
trap 'kill $idp 2>/dev/null' EXIT
for _ in $(seq 1 100); do grep -q "DEV-IDP READY" "$ready" && break; sleep 0.2; done
grep -q "DEV-IDP READY" "$ready" || { echo "the development identity provider did not start" >&2; exit 1; }
echo "Logins (development only): julien.bernard/julien-dev (agent), admin/admin-dev (admin)..."
.venv/bin/assistant serve
