# Sourced by start.sh and stop.sh: `started PID` prints when PID started, so a
# pid file can be checked against reuse by an unrelated process.
started() {
  case "$1" in '' | *[!0-9]*) return 1 ;; esac
  if [ -d /proc/self ]; then
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    # Field 22 (start time in clock ticks since boot). Field 2, the command
    # name in parentheses, may hold spaces: count from after its last ')'.
    set -- ${stat##*) }
    [ $# -ge 20 ] || return 1
    shift 19
    echo "$1"
  else
    ps -o lstart= -p "$1" 2>/dev/null | grep .
  fi
}
