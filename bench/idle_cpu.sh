#!/bin/sh
# idle_cpu.sh: a worker's CPU while it holds N idle keep-alive connections
# (default 10000) for S seconds (default 10): it should be near zero, since
# the worker sleeps until the next non-empty wheel tick.  Not a test.
#
#   bench/idle_cpu.sh [N] [S]     (from the source tree, after make)
set -eu
n=${1:-10000}
secs=${2:-10}
top=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'kill $(cat "$dir/t.pid" 2>/dev/null) 2>/dev/null; touch "$dir/release"; sleep 1; rm -rf "$dir"' EXIT
ulimit -n $((n + 1024)) 2>/dev/null || true
mkdir "$dir/www"
echo idle > "$dir/www/index.html"
cat > "$dir/t.conf" <<CONF
daemon = { pidfile = "t.pid"; segment = "t.shm"; log_level = "warn"; };
workers = { count = 1; slots_per_worker = $((n + 100)); };
timeouts = { http = { keepalive_sec = 600; }; };
listeners = ( { name = "web"; address = "127.0.0.1"; port = 0; } );
sites = ( { root = "www"; } );
CONF
cd "$dir"
"$top/build/tamarind" -c t.conf
sleep 0.5
port=$("$top/build/tamarinctl" -s t.shm -j show listeners | python3 -c 'import json,sys; print(json.load(sys.stdin)["listeners"][0]["port"])')
wpid=$("$top/build/tamarinctl" -s t.shm -j show workers | python3 -c 'import json,sys; print(json.load(sys.stdin)["workers"][0]["pid"])')
python3 "$top/tests/integration/tmclient.py" --timeout 3600 hold "$port" "$n" --ports ports --until release &
while [ ! -f ports ] || [ "$(wc -l < ports)" -lt "$n" ]; do sleep 0.5; done
cpu() { awk '{ print $14 + $15 }' /proc/$1/stat; }
hz=$(getconf CLK_TCK)
c0=$(cpu "$wpid")
sleep "$secs"
c1=$(cpu "$wpid")
used=$("$top/build/tamarinctl" -s t.shm -j show summary | python3 -c 'import json,sys; print(json.load(sys.stdin)["slots_used"])')
echo "$used idle connections, worker CPU over $secs s: $(( (c1 - c0) * 1000 / hz )) ms ($(echo "scale=3; ($c1 - $c0) * 100 / $hz / $secs" | bc) % of a core)"
