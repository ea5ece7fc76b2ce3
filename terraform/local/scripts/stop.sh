#!/bin/sh
# Stop whatever start.sh launched for this deployment; safe to run twice.
set -u
. "$(dirname "$0")/started.sh"

stop_group() {
  kill -TERM "-$1" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    kill -0 "-$1" 2>/dev/null || break
    sleep 0.25
  done
  kill -KILL "-$1" 2>/dev/null || true
}

pidfile="$MLX_STATE_DIR/pid"
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  case "$pid" in '' | *[!0-9]*) pid= ;; esac
  if [ -z "$pid" ]; then
    :
  elif now=$(started "$pid"); then
    if [ "$now" = "$(cat "$MLX_STATE_DIR/pid.start" 2>/dev/null)" ]; then
      stop_group "$pid"
    else
      echo "StalePid: process $pid is not the model start.sh launched (it started at another time); left alone." >&2
    fi
  else
    # The model itself has exited. A group with its id can only hold the
    # model's own children: a pid is not reused while its group lives.
    stop_group "$pid"
  fi
  rm -f "$pidfile" "$MLX_STATE_DIR/pid.start"
fi

containerfile="$MLX_STATE_DIR/container"
if [ -f "$containerfile" ]; then
  if ! docker rm -f "$(cat "$containerfile")" >/dev/null; then
    echo "DockerUnavailable: cannot remove container $(cat "$containerfile"); start Docker and tear down again." >&2
    exit 1
  fi
  rm -f "$containerfile"
fi
exit 0
