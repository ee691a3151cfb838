#!/bin/bash
# Where the kernel puts the floor under an echo server's CPU per request.
#
# Runs five echo servers, one after another, against wirestack's load generator: wirestack's own,
# node:net, an epoll echo in C (the least user-space work an epoll design can do), a naive io_uring
# echo in C, and an io_uring echo with multishot receives into a provided-buffer ring. The server is
# pinned to CPU 0 and the generator to CPU 1. For each it prints req/s and the server's user and
# system time per request, read from /proc/PID/stat.
#
#   npm run build && bash scripts/echo-floor.sh            # 16 and 64 connections, 2 rounds
#   CONNS="64" ROUNDS=3 bash scripts/echo-floor.sh
#
# Needs gcc and Linux headers (apt-get install -y gcc libc6-dev linux-libc-dev). Investigation
# tooling: nothing in the library or the tests depends on it.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${CONNS:-"16 64"}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-3}
WARMUP=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -o "$tmp/epoll-echo" scripts/floor/epoll-echo.c
gcc -O2 -o "$tmp/uring-echo" scripts/floor/uring-echo.c
gcc -O2 -DMULTISHOT -o "$tmp/uring-mshot-echo" scripts/floor/uring-echo.c
[ -f dist/src/cli/main.js ] || { echo "run 'npm run build' first" >&2; exit 1; }

# usage: measure NAME CONNS CMD... ; prints one line
measure() {
  local name=$1 conns=$2
  shift 2
  taskset -c 0 "$@" > "$tmp/server.out" 2>&1 &
  local pid=$!
  local port=""
  for _ in $(seq 100); do
    port=$(grep -oE 'listening( on [^ ]*:| )[0-9]+' "$tmp/server.out" | grep -oE '[0-9]+$' | head -1 || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "$name did not start:" >&2; cat "$tmp/server.out" >&2; kill "$pid"; exit 1; }
  read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  local t0
  t0=$(date +%s.%N)
  taskset -c 1 node dist/src/cli/main.js bench "127.0.0.1:$port" --connections "$conns" \
    --duration "$DURATION" --warmup "$WARMUP" --json > "$tmp/run.json"
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  kill "$pid"
  wait "$pid" 2> /dev/null || true
  # The server's ticks cover warm-up and measurement; the generator's rate is the same in both.
  node -e '
    const [file, name, conns, u, s, secs] = process.argv.slice(1);
    const run = JSON.parse(require("fs").readFileSync(file, "utf8")).run;
    const n = run.requestsPerSec * Number(secs);
    const us = (ticks) => ((Number(ticks) * 10_000) / n).toFixed(2);
    console.log(`${name.padEnd(11)} ${conns.padStart(3)} conns  ${Math.round(run.requestsPerSec).toString().padStart(8)} req/s  user ${us(u)} µs  system ${us(s)} µs  total ${us(Number(u) + Number(s))} µs per request`);
  ' "$tmp/run.json" "$name" "$conns" $((u1 - u0)) $((s1 - s0)) $((DURATION + WARMUP))
}

for conns in $CONNS; do
  for _ in $(seq "$ROUNDS"); do
    measure wirestack "$conns" node dist/src/cli/main.js echo --port 0
    measure node:net "$conns" node dist/src/bench/baselines/node-echo.js --port 0
    measure C-epoll "$conns" "$tmp/epoll-echo"
    measure C-uring "$conns" "$tmp/uring-echo"
    measure C-uring-ms "$conns" "$tmp/uring-mshot-echo"
  done
done
