#!/usr/bin/env bash
# Load test of POST /discord/interactions with pre-signed PINGs.
#
#   scripts/load-discord.sh [DURATION] [CONNECTIONS]     (defaults: 30s 64)
#
# Needs `wrk` (apt-get install wrk). Builds the release binary, signs 256
# PING bodies with a throwaway key (examples/discord_sign.rs), starts
# `supportbot serve` on 127.0.0.1:8787 with the matching public key, runs
# wrk with 2 threads, prints p50/p99/rps, and stops the server. Every
# request is fully verified (Ed25519 + timestamp), parsed and answered.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-30s}
connections=${2:-64}
addr=127.0.0.1:8787
seed=2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 2; }

cargo build --release --quiet --bin supportbot --example discord_sign
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
target=${CARGO_TARGET_DIR:-target}
"$target/release/examples/discord_sign" "$seed" 256 >"$work/pings.lua" 2>"$work/key"
public_key=$(sed -n 's/^PUBLIC_KEY=//p' "$work/key")

env -u SUPPORTBOT_DISCORD_TOKEN SUPPORTBOT_HTTP_ADDR=$addr \
    SUPPORTBOT_DISCORD_PUBLIC_KEY="$public_key" SUPPORTBOT_LOG=warn \
    "$target/release/supportbot" serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -fs "http://$addr/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

echo "== light load (1 connection, 10s)"
wrk -t1 -c1 -d10s -s "$work/pings.lua" "http://$addr/discord/interactions"
echo "== $connections connections, $duration"
wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/pings.lua" "http://$addr/discord/interactions"
curl -fs "http://$addr/metrics" | grep -E '^supportbot_(discord_signature_failures|discord_interactions)_total' || true
