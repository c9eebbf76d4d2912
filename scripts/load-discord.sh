#!/usr/bin/env bash
# Load test of POST /discord/interactions with pre-signed interactions, for
# supportbot and, side by side, the official Node `discord-interactions` peer.
#
#   scripts/load-discord.sh [DURATION] [CONNECTIONS] [--peer supportbot|node|both] [--bodies ping|help]
#
#   DURATION      wrk duration of each run (default 30s)
#   CONNECTIONS   connections of the loaded run (default 64)
#   --peer        which server(s) to load, one after the other (default supportbot)
#   --bodies      ping (default): signed PINGs; help: signed /help
#                 APPLICATION_COMMANDs (supportbot only: the Node peer
#                 answers only PINGs)
#
# Requires: cargo, curl, wrk (apt-get install wrk); for --peer node|both also
# node >= 18.4 and npm (apt-get install nodejs npm). The Node dependencies of
# scripts/discord-node-peer are installed with `npm ci` when node_modules is
# missing.
#
# Builds the release binary and examples/discord_sign, signs 256 bodies with
# a throwaway key (re-signed before each server, so the timestamps are fresh;
# the bodies are the same), starts the server on 127.0.0.1 (supportbot on
# :8787, Node peer on :8788), checks that a signed request is answered
# ({"type":1} for a PING, a type-4 message for /help) and that a bad
# signature gets 401, then runs wrk twice: 1 connection / 1 thread (light
# load) and CONNECTIONS connections / 2 threads, both with --latency. wrk and
# the server share the machine's cores. Prints a summary table with the
# 1-minute load average before each run and the server's CPU use. Every
# server started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
duration=30s
connections=64
peer=supportbot
bodies=ping
positional=()
while (($#)); do
    case $1 in
        --peer) peer=${2:?--peer needs supportbot, node or both}; shift 2 ;;
        --bodies) bodies=${2:?--bodies needs ping or help}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
        *) positional+=("$1"); shift ;;
    esac
done
((${#positional[@]} > 0)) && duration=${positional[0]}
((${#positional[@]} > 1)) && connections=${positional[1]}
case $peer in
    supportbot) peers=(supportbot) ;;
    node) peers=(node) ;;
    both) peers=(supportbot node) ;;
    *) echo "--peer must be supportbot, node or both" >&2; exit 2 ;;
esac
case $bodies in
    ping) ;;
    help)
        [[ $peer == supportbot ]] || {
            echo "--bodies help needs --peer supportbot (the Node peer only answers PINGs)" >&2
            exit 2
        } ;;
    *) echo "--bodies must be ping or help" >&2; exit 2 ;;
esac

missing=()
need=(cargo curl wrk)
[[ $peer == supportbot ]] || need+=(node npm)
for tool in "${need[@]}"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
    echo "missing: ${missing[*]} (apt-get install wrk nodejs npm; cargo from rustup)" >&2
    exit 2
fi

seed=2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a
peer_dir=scripts/discord-node-peer
target=${CARGO_TARGET_DIR:-target}
ticks=$(getconf CLK_TCK)

cargo build --release --quiet --bin supportbot --example discord_sign
if [[ $peer != supportbot && ! -d $peer_dir/node_modules ]]; then
    echo "== npm ci in $peer_dir"
    (cd "$peer_dir" && npm ci --no-audit --no-fund --silent)
fi

work=$(mktemp -d)
server=
cleanup() {
    if [[ -n $server ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Fields of the first signed request of the wrk script.
field() {
    case $1 in
        sig) sed -n 's/^signed\[1\] = {"\([0-9a-f]*\)", .*/\1/p' "$work/reqs.lua" ;;
        ts) sed -n 's/^local ts = "\([0-9]*\)"$/\1/p' "$work/reqs.lua" ;;
        body) sed -n "s/^signed\[1\] = {\"[0-9a-f]*\", '\(.*\)'}\$/\1/p" "$work/reqs.lua" ;;
    esac
}
post() { # SIGNATURE -> "STATUS BODY"
    curl -s -o "$work/answer" -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "X-Signature-Ed25519: $1" -H "X-Signature-Timestamp: $(field ts)" \
        --data-binary "$(field body)" "$url"
    printf ' %s' "$(tr -d ' \n' <"$work/answer")"
}

printf '| server | bodies | load | requests/s | p50 | p99 | non-2xx | socket errors | load avg before | server CPU |\n' >"$work/table"
printf '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n' >>"$work/table"

run_wrk() { # NAME THREADS CONNECTIONS LABEL
    local before_load before_cpu after_cpu secs line
    before_load=$(loadavg)
    before_cpu=$(cpu_ticks "$server")
    echo "== $1, $4, $duration (load average $before_load)"
    wrk -t"$2" -c"$3" -d"$duration" --latency -s "$work/reqs.lua" "$url" | tee "$work/wrk.out"
    after_cpu=$(cpu_ticks "$server")
    case $duration in
        *h) secs=$((${duration%h} * 3600)) ;;
        *m) secs=$((${duration%m} * 60)) ;;
        *) secs=${duration%s} ;;
    esac
    line=$(grep '^p50=' "$work/wrk.out")
    # p50=0.136ms p99=0.330ms rps=6871 non2xx=0 socket_errors=0
    awk -v name="$1" -v bodies="$bodies" -v label="$4, $duration" -v la="${before_load%% *}" \
        -v cpu="$(awk -v t=$((after_cpu - before_cpu)) -v hz="$ticks" -v s="$secs" 'BEGIN { printf "%.2f cores", t / hz / s }')" \
        '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
           printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, bodies, label, v["rps"], v["p50"], v["p99"], v["non2xx"], v["socket_errors"], la, cpu }' \
        <<<"$line" >>"$work/table"
}

for name in "${peers[@]}"; do
    "$target/release/examples/discord_sign" "$seed" 256 "$bodies" >"$work/reqs.lua" 2>"$work/key"
    public_key=$(sed -n 's/^PUBLIC_KEY=//p' "$work/key")
    if [[ $name == supportbot ]]; then
        addr=127.0.0.1:8787
        env -u SUPPORTBOT_DISCORD_TOKEN SUPPORTBOT_HTTP_ADDR=$addr \
            SUPPORTBOT_DATA_DIR="$work/data" \
            SUPPORTBOT_DISCORD_API_BASE=http://127.0.0.1:9/api/v10 \
            SUPPORTBOT_DISCORD_PUBLIC_KEY="$public_key" SUPPORTBOT_LOG=warn \
            "$target/release/supportbot" serve >"$work/serve.log" 2>&1 &
    else
        addr=127.0.0.1:8788
        (cd "$peer_dir" && PUBLIC_KEY="$public_key" PORT=8788 exec node server.js) >"$work/serve.log" 2>&1 &
    fi
    server=$!
    url="http://$addr/discord/interactions"
    for _ in $(seq 100); do curl -s -o /dev/null "http://$addr/" && break; sleep 0.1; done
    kill -0 "$server" 2>/dev/null || { echo "$name did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

    # Equal work: a signed request is answered, a bad signature is refused.
    sig=$(field sig)
    good=$(post "$sig")
    if [[ $bodies == ping ]]; then
        [[ $good == '200 {"type":1}' ]] || { echo "$name: signed PING answered '$good'" >&2; exit 1; }
    else
        [[ $good == '200 {'* && $good == *'"type":4'* ]] || { echo "$name: signed /help answered '$good'" >&2; exit 1; }
    fi
    bad=$(post "$( [[ ${sig:0:1} == 0 ]] && echo 1 || echo 0)${sig:1}")
    [[ $bad == 401* ]] || { echo "$name: bad signature answered '$bad'" >&2; exit 1; }
    echo "== $name ($url): signed $bodies -> ${good:0:60}; bad signature -> ${bad%% *}"

    run_wrk "$name" 1 1 "1 connection, 1 thread"
    run_wrk "$name" 2 "$connections" "$connections connections, 2 threads"

    if [[ $name == supportbot ]]; then
        curl -fs "http://$addr/metrics" |
            grep -E '^supportbot_(discord_signature_failures|discord_interactions|discord_followups)_total' || true
    fi
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=
done

echo
if awk -F' [|] ' 'NR > 2 && ($7 != 0 || $8 != 0) { bad = 1 } END { exit !bad }' "$work/table"; then
    echo "!! some requests failed (non-2xx or socket errors): those rows are not comparable" >&2
fi
echo "== summary ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average now $(loadavg))"
cat "$work/table"
