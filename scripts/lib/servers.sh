# Shared by scripts/load and scripts/ab (sourced, not run): the servers they measure, started as the README starts
# them, the CPU time they use and the median of their figures. The caller sets `bin` (the folder of hisgate,
# load_server and load_client); the functions read it when called, so one script can start two builds' servers in
# turn.

server_cpu=()
client_cpu=()
if command -v taskset >/dev/null 2>&1 && (($(nproc) >= 2)); then
    server_cpu=(taskset -c 0)
    client_cpu=(taskset -c 1)
fi

tmp="$(mktemp -d)"
server=""
upstream=""
cleanup() {
    [ -z "$server" ] || kill "$server" 2>/dev/null || true
    [ -z "$upstream" ] || kill "$upstream" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# start_bare KIND [INTERFACE]: the load_server of KIND (hello, shaanxi, or canned with the interface it answers);
# sets `server` and `port`.
start_bare() {
    "${server_cpu[@]}" "$bin/load_server" "$@" >"$tmp/port" &
    server=$!
    until [ -s "$tmp/port" ]; do
        kill -0 "$server" 2>/dev/null || { echo "${0##*/}: the $1 server did not start" >&2; exit 1; }
        sleep 0.05
    done
    port=$(cat "$tmp/port")
    rm -f "$tmp/port"
}

# start_serve: `hisgate serve` as the README starts it, in a fresh folder (so a fresh default SQLite store), its
# log at info in a file; sets `server` and `port` once `/readyz` answers.
start_serve() {
    local dir="$tmp/serve"
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && exec "${server_cpu[@]}" "$bin/hisgate" serve --platform shaanxi --role hospital \
        --listen 127.0.0.1:0 >stdout 2>serve.log) &
    server=$!
    until grep -q 'http://' "$dir/stdout" 2>/dev/null; do
        kill -0 "$server" 2>/dev/null ||
            { cat "$dir/serve.log" >&2; echo "${0##*/}: hisgate serve did not start" >&2; exit 1; }
        sleep 0.05
    done
    port=$(grep -o 'http://[0-9.]*:[0-9]*' "$dir/stdout" | sed 's/.*://')
    until curl -fs -o /dev/null "http://127.0.0.1:$port/readyz"; do
        kill -0 "$server" 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
        sleep 0.05
    done
}

# The CPU time a process has used, in clock ticks (user + system, all its threads).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Of it, the time in the kernel (system): the socket reads and writes, loopback's TCP, waking the other side.
kernel_ticks() { awk '{print $15}' "/proc/$1/stat"; }
# per_request TICKS REQUESTS CONNECTIONS: TICKS as µs per request the client sent — the timed ones and its warm-up
# (load_client's WARM_UP, 200 a connection), all of which the server's CPU counters saw.
per_request() {
    awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n=$(($2 + 200 * $3)) 'BEGIN { printf "%.2f", t * 1e6 / hz / n }'
}
# median: the median of the numbers on standard input, one a line (the mean of the middle two for an even count).
median() {
    sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m }'
}
