#!/bin/sh
# Stop whatever start.sh launched for this deployment; safe to run twice.
set -u

pidfile="$MLX_STATE_DIR/pid"
if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  kill -TERM "-$pid" 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    kill -0 "-$pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -KILL "-$pid" 2>/dev/null || true
  rm -f "$pidfile"
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
