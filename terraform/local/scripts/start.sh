#!/bin/sh
# Start the model for the local target (null_resource create provisioner).
# Errors start with a code mlx recognises, e.g. LocalCapacityExceeded.
set -eu
. "$(dirname "$0")/started.sh"

mkdir -p "$MLX_STATE_DIR"
chmod 700 "$MLX_STATE_DIR"
# Leftovers of an interrupted run must not keep the port.
sh "$(dirname "$0")/stop.sh" >/dev/null 2>&1 || true

cpus=$(getconf _NPROCESSORS_ONLN)
if [ "$MLX_NODE_CPUS" -gt "$cpus" ]; then
  echo "LocalCapacityExceeded: this host has $cpus CPUs, the node needs $MLX_NODE_CPUS." >&2
  exit 1
fi
if [ "$MLX_GPU_COUNT" -gt 0 ]; then
  gpus=$(nvidia-smi -L 2>/dev/null | wc -l || echo 0)
  if [ "$MLX_GPU_COUNT" -gt "$gpus" ]; then
    echo "LocalCapacityExceeded: this host has $gpus GPUs, the node needs $MLX_GPU_COUNT." >&2
    exit 1
  fi
fi

runtime=$MLX_RUNTIME
if [ "$runtime" = auto ]; then
  if [ -n "$MLX_IMAGE" ] && docker info >/dev/null 2>&1; then runtime=docker; else runtime=process; fi
fi
printf '%s\n' "$MLX_ENV" | grep -v '^$' >"$MLX_STATE_DIR/env" || true
log="$MLX_STATE_DIR/model.log"

if [ "$runtime" = docker ]; then
  [ -n "$MLX_IMAGE" ] || { echo "MissingImage: runtime docker needs an image." >&2; exit 1; }
  docker run -d --name "mlx-$MLX_NAME" --label "mlx.deployment=$MLX_NAME" \
    --env-file "$MLX_STATE_DIR/env" -p "127.0.0.1:$MLX_HOST_PORT:$MLX_PORT" \
    "$MLX_IMAGE" >"$MLX_STATE_DIR/container"
  exit 0
fi

[ -n "$MLX_COMMAND" ] || {
  echo "MissingCommand: no Docker daemon answers and model.yaml has no command to run the model as a process." >&2
  exit 1
}
cd "$MLX_WORKDIR"
while IFS= read -r line; do export "$line"; done <"$MLX_STATE_DIR/env"
export PORT="$MLX_HOST_PORT"
# setsid: the model outlives Terraform and mlx, and stop.sh can end its whole
# process group.
setsid sh -c "exec $MLX_COMMAND" </dev/null >"$log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
pid=$!
# The start time goes first, so stop.sh never sees a pid it cannot check:
# it kills nothing whose start time differs (the pid was reused).
started "$pid" >"$MLX_STATE_DIR/pid.start" || true
echo "$pid" >"$MLX_STATE_DIR/pid"
sleep 0.5
if ! kill -0 "$pid" 2>/dev/null; then
  echo "ModelExited: the model process stopped at once; its log ends with:" >&2
  tail -n 5 "$log" >&2
  rm -f "$MLX_STATE_DIR/pid" "$MLX_STATE_DIR/pid.start"
  exit 1
fi
