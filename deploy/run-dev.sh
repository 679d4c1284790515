#!/usr/bin/env bash
# Development run: the development identity provider (demo users in deploy/dev-idp/users.yaml), the
# assistant behind it on http://127.0.0.1:8000, and a background-jobs worker (`assistant worker`: queued
# ingestions, the daily audit purge and nightly sync). Ctrl-C stops all three (a running job stops after
# its current file and goes back to the queue).
# Ports: ASSISTANT_PORT (default 8000) and DEV_IDP_PORT (default 8180), e.g. ASSISTANT_PORT=8001 make run.
set -euo pipefail
cd "$(dirname "$0")/.."
export ASSISTANT_PROFILE=development ASSISTANT_CONFIG=deploy/dev.yaml
export ASSISTANT_PORT=${ASSISTANT_PORT:-8000} DEV_IDP_PORT=${DEV_IDP_PORT:-8180}

port_free() {  # exit 0 when nothing listens on 127.0.0.1:$1
  .venv/bin/python -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}
for pair in "assistant:ASSISTANT_PORT:$ASSISTANT_PORT" "development identity provider:DEV_IDP_PORT:$DEV_IDP_PORT"; do
  IFS=: read -r what variable port <<<"$pair"
  if ! port_free "$port"; then
    echo "error: port $port (the $what) is already in use on 127.0.0.1." >&2
    echo "  Stop what listens there (ss -ltnp 'sport = :$port' shows it), or choose another port:" >&2
    echo "  $variable=<port> make run" >&2
    exit 1
  fi
done

ready=$(mktemp)
node deploy/dev-idp/server.js --dev --port "$DEV_IDP_PORT" --users deploy/dev-idp/users.yaml --realm demo \
  --redirect-uri "http://127.0.0.1:$ASSISTANT_PORT/auth/callback" \
  --post-logout-redirect-uri "http://127.0.0.1:$ASSISTANT_PORT/" >"$ready" &
idp=$!
trap 'kill $idp 2>/dev/null; rm -f "$ready"' EXIT
for _ in $(seq 1 100); do grep -q "DEV-IDP READY" "$ready" && break; kill -0 $idp 2>/dev/null || break; sleep 0.2; done
grep -q "DEV-IDP READY" "$ready" || { echo "error: the development identity provider did not start (see above)" >&2; exit 1; }
.venv/bin/assistant serve --port "$ASSISTANT_PORT" &
app=$!
.venv/bin/assistant worker &
worker=$!
trap 'kill $app $worker $idp 2>/dev/null; wait $worker 2>/dev/null; rm -f "$ready"' EXIT
url="http://127.0.0.1:$ASSISTANT_PORT"
until .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$url/healthz" \
    2>/dev/null; do
  kill -0 $app 2>/dev/null || { wait $app; exit $?; }
  kill -0 $worker 2>/dev/null || { echo "error: the background-jobs worker stopped (see above)" >&2; exit 1; }
  sleep 0.5
done
cat <<BANNER

  Ready: open $url/ in a browser (API documentation, for admins: $url/docs).
  Development logins (local use only):
    julien.bernard / julien-dev   agent, group urbanisme
    claire.martin  / claire-dev   agent, group direction-generale
    sophie.petit   / sophie-dev   citizen_service
    karim.haddad   / karim-dev    analyst (open data: $url/analyse)
    nadia.lefebvre / nadia-dev    analyst, group direction-generale
    admin          / admin-dev    admin
    paul.durand    / paul-dev     no role (sees the 403 page)
  Background jobs: \`assistant ingest DIR --collection NAME --groups G\` queues an ingestion that the
  worker started here runs; \`assistant jobs list\` shows them.
  Ctrl-C stops the service, the worker and the identity provider.

BANNER
wait $app
