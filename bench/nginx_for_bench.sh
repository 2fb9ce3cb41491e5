# bench/nginx_for_bench.sh: Debian's nginx in a throw-away prefix, for the bench scripts.
# Sourced, not run. It promises that every nginx process it started is gone after
# bench_nginx_cleanup, which the sourcing script calls from its EXIT trap.
#
#   bench_nginx_start NGINX LOG_LEVEL
#     copies NGINX to $bench_prefix/sbin/nginx (a USR2 re-execs exactly that path), writes a
#     minimal nginx.conf (2 workers, daemon on, access_log off, `return 200 "ok\n"`, error_log at
#     LOG_LEVEL) for a free 127.0.0.1 port, starts the master and waits (at most 5 s each) for its
#     pid file and for the port to accept. Sets bench_prefix, bench_port, bench_nginx_pid.
#   bench_nginx_cleanup
#     bench_stop_under $bench_prefix (old and new masters, their workers), then removes the prefix.
#   bench_stop_under DIR
#     TERMs every process whose executable lies under DIR, waits at most 5 s, KILLs what is left.
#   bench_wait_for DESCRIPTION SECONDS COMMAND...
#     runs COMMAND every 50 ms until it succeeds; returns 1 (saying DESCRIPTION) after SECONDS.

# shellcheck disable=SC2034  # bench_port and bench_nginx_pid are for the sourcing script
bench_prefix=""
bench_port=""
bench_nginx_pid=""

bench_wait_for() {
  local what=$1 seconds=$2
  shift 2
  local tries=$((seconds * 20))
  for ((k = 0; k < tries; ++k)); do
    "$@" && return 0
    sleep 0.05
  done
  echo "nginx_for_bench: gave up after ${seconds}s waiting for $what" >&2
  return 1
}

# The pids of live (not zombie: PID 1 here may not reap) processes whose executable is under $1.
bench_pids_under() {
  local dir=$1 proc
  [[ -n $dir ]] || return 0
  for proc in /proc/[0-9]*; do
    [[ $(readlink "$proc/exe" 2>/dev/null) == "$dir"/* ]] || continue
    [[ $(awk '{print $3}' "$proc/stat" 2>/dev/null) == Z ]] && continue
    echo "${proc#/proc/}"
  done
}

bench_none_under() { [[ -z $(bench_pids_under "$1") ]]; }

bench_stop_under() {
  local dir=$1 pids
  pids=$(bench_pids_under "$dir")
  [[ -n $pids ]] || return 0
  # shellcheck disable=SC2086  # one pid per word
  kill -TERM $pids 2>/dev/null || true
  bench_wait_for "processes under $dir to exit" 5 bench_none_under "$dir" 2>/dev/null && return 0
  pids=$(bench_pids_under "$dir")
  # shellcheck disable=SC2086
  [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
}

bench_port_accepts() { (exec 3<>"/dev/tcp/127.0.0.1/$bench_port") 2>/dev/null; }

bench_nginx_start() {
  local nginx=$1 level=$2
  # Physical path: it is compared with /proc/PID/exe.
  bench_prefix=$(cd "$(mktemp -d /tmp/hotdeploy-bench.XXXXXX)" && pwd -P) || return 1
  mkdir -p "$bench_prefix/sbin" "$bench_prefix/logs" "$bench_prefix/temp" || return 1
  cp "$nginx" "$bench_prefix/sbin/nginx" || return 1
  bench_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  cat > "$bench_prefix/nginx.conf" <<CONF
worker_processes 2;
daemon on;
pid $bench_prefix/logs/nginx.pid;
error_log $bench_prefix/logs/error.log $level;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $bench_prefix/temp/client_body;
    proxy_temp_path $bench_prefix/temp/proxy;
    fastcgi_temp_path $bench_prefix/temp/fastcgi;
    uwsgi_temp_path $bench_prefix/temp/uwsgi;
    scgi_temp_path $bench_prefix/temp/scgi;
    server {
        listen 127.0.0.1:$bench_port;
        location / { return 200 "ok\n"; }
    }
}
CONF
  "$bench_prefix/sbin/nginx" -p "$bench_prefix" -c "$bench_prefix/nginx.conf" -e "$bench_prefix/logs/error.log" || {
    cat "$bench_prefix/logs/error.log" >&2 2>/dev/null
    return 1
  }
  bench_wait_for "nginx.pid" 5 test -s "$bench_prefix/logs/nginx.pid" || return 1
  bench_nginx_pid=$(cat "$bench_prefix/logs/nginx.pid")
  bench_wait_for "127.0.0.1:$bench_port to accept" 5 bench_port_accepts
}

bench_nginx_cleanup() {
  [[ -n $bench_prefix ]] || return 0
  bench_stop_under "$bench_prefix"
  rm -rf "$bench_prefix"
  bench_prefix=""
}
