# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings below are used by the files that source this one
# Shared settings and helpers for lab.sh and its lib/*.sh parts (sourced, never run).

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_DIR=${FROST_LAB_DIR:-/var/tmp/frost-lab}
# The directory ends up inside domain XML and on QEMU command lines: keep it to characters
# that need no quoting or XML escaping anywhere.
[[ $LAB_DIR =~ ^/[A-Za-z0-9._/+-]+$ ]] || {
  echo "lab: FROST_LAB_DIR must be an absolute path of [A-Za-z0-9._/+-]: $LAB_DIR" >&2
  exit 2
}
GUEST_DIR=$LAB_DIR/guest
DOMAINS_DIR=$LAB_DIR/domains
LOG_DIR=$LAB_DIR/log
STATE_DIR=$LAB_DIR/state
DEBS_DIR=$LAB_DIR/debs

URI=qemu:///system
NAME_RE='^[a-z0-9][a-z0-9._-]*$'
# Domains the lab owns: the demo set and whatever tests create (t-*).
LAB_DOMAIN_RE='^(demo|t)-'
AGENT_PORT=org.qemu.guest_agent.0

log() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Every virsh call gets a hard deadline: a wedged libvirtd must fail the lab, not hang it.
V() { timeout --kill-after=5 60 virsh -q -c "$URI" "$@"; }

valid_name() { [[ $1 =~ $NAME_RE ]]; }
lab_owned() { [[ $1 =~ $LAB_DOMAIN_RE ]]; }

domain_exists() { V domstate "$1" >/dev/null 2>&1; }
domain_state() { V domstate "$1" 2>/dev/null || echo absent; }

# True when the pid in pidfile $1 is alive and really is program $2 (a pid file left behind
# by a dead daemon may name a recycled pid belonging to something else).
pid_alive() {
  local pidfile=$1 comm=$2 pid
  [[ -r $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] || return 1
  # A killed daemon whose parent is gone can stay a zombie where PID 1 does not reap: it still has
  # its name in /proc, but it is not running.
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]
}

# Closes every file descriptor above 2 this (sub)shell holds: a daemon started from it must hold
# none of its caller's descriptors — a lock taken around `lab up` (flock CMD keeps its lock on
# fd 3), or a pipe a test reads to its end. A daemon holding a lock would hold it forever.
close_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

need_root() { [[ $(id -u) == 0 ]] || die "must run as root (libvirt system URI, /dev/kvm, apt)"; }
