#!/usr/bin/env bash
# End-to-end figures for the README: latency beside the loopback floor,
# throughput with and without journal fsync, 100 sessions, memory per idle
# session. Every run is bounded (seconds) and the venue it starts listens on
# 127.0.0.1 only and is stopped by its PID.
#
#   bash examples/bench/e2e.sh [RUNS]     (default 3 runs of each)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=${1:-3}
cargo build --release -q -p gateway -p examples --manifest-path "$root/Cargo.toml"
gw="$root/target/release/gateway"
load="$root/target/release/fixload"
work=$(mktemp -d)
trap 'kill -TERM $pid 2>/dev/null || true; rm -rf "$work"' EXIT
pid=

settings() { # sessions journal_sync
  local n=$1 sync=$2
  printf '[DEFAULT]\nConnectionType=acceptor\nSocketAcceptAddress=127.0.0.1\nSocketAcceptPort=9878\nBeginString=FIX.4.2\nSenderCompID=VENUE\nFileStorePath=data/store\nJournalPath=data/engine\nJournalSync=%s\nApplication=venue\n' "$sync"
  for i in $(seq 1 "$n"); do printf '[SESSION]\nTargetCompID=CLIENT%d\nAccount=ACC%d\nAccounts=ACC%d,ACC%d\n' "$i" "$i" "$i" $((i + n)); done
}
venue() { # accounts
  printf '[VENUE]\nMakerFeeBps=1\nTakerFeeBps=2.5\n[ASSET]\nName=USD\nPrecision=6\n[ASSET]\nName=BTC\nPrecision=8\n'
  printf '[INSTRUMENT]\nSymbol=BTC-USD\nBaseAsset=BTC\nQuoteAsset=USD\nTickSize=0.01\nLotSize=0.0001\nMinQty=0.0001\nMaxQty=1000\n'
  for i in $(seq 1 "$1"); do printf '[ACCOUNT]\nName=ACC%d\nBalance.USD=100000000\nBalance.BTC=10000\n' "$i"; done
}
start() { # sessions journal_sync
  rm -rf "$work/data"
  settings "$1" "$2" > "$work/s.cfg"
  venue $(( $1 * 2 )) > "$work/v.ini"
  (cd "$work" && exec "$gw" --config s.cfg --venue v.ini --log-level warn > /dev/null) &
  pid=$!
  sleep 1
}
stop() { kill -TERM "$pid"; wait "$pid" || true; pid=; }
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }

echo "== latency: closed loop, 1 session, venue vs loopback floor (journal not fsynced)"
for r in $(seq 1 "$runs"); do
  start 1 N
  c0=$(cpu); t0=$(date +%s.%N)
  "$load" --sessions 1 --account 'ACC{n}' --take-account 'ACC{n+1}' --duration 5 --warmup 1 --block --with-floor --quiet | tail -4
  c1=$(cpu); t1=$(date +%s.%N)
  echo "   venue CPU: $(echo "($c1 - $c0) / 100 / ($t1 - $t0)" | bc -l | cut -c1-4) cores over the run (floor and venue phases)"
  stop
done
for sync in N Y; do
  echo "== throughput: 1 session, 1000 outstanding, every second order crossing, JournalSync=$sync"
  for r in $(seq 1 "$runs"); do
    start 1 "$sync"
    "$load" --sessions 1 --account 'ACC{n}' --take-account 'ACC{n+1}' --outstanding 1000 --duration 5 --warmup 1 --block --quiet | grep -E '^  (rate|latency)'
    stop
  done
done
echo "== scale: 100 sessions, 10 outstanding each, JournalSync=N"
for r in $(seq 1 "$runs"); do
  start 100 N
  "$load" --sessions 100 --account 'ACC{n}' --take-account 'ACC{n+100}' --outstanding 10 --duration 5 --warmup 1 --block --threads 2 --quiet | grep -E '^  (rate|latency)'
  stop
done
echo "== memory: RSS with 0 and with 100 idle logged-on sessions"
start 100 N
rss0=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
"$load" --sessions 100 --mode open --rate 1 --duration 8 --block --threads 2 --quiet > /dev/null &
lp=$!
sleep 5
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
wait $lp || true
echo "   RSS ${rss0} kB idle, ${rss1} kB with 100 sessions: $(( (rss1 - rss0) / 100 )) kB per session"
stop
