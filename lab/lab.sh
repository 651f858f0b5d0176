#!/bin/bash
# frost's local test lab: real libvirtd + QEMU (TCG) + tiny guests running the real qemu-guest-agent.
# See lab/README.md. State lives in ${FROST_LAB_DIR:-/var/tmp/frost-lab}.
set -euo pipefail

LAB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib
# shellcheck source=lib/common.sh
. "$LAB_LIB/common.sh"
# shellcheck source=lib/packages.sh
. "$LAB_LIB/packages.sh"
# shellcheck source=lib/daemons.sh
. "$LAB_LIB/daemons.sh"
# shellcheck source=lib/domains.sh
. "$LAB_LIB/domains.sh"
# shellcheck source=lib/openstack-packages.sh
. "$LAB_LIB/openstack-packages.sh"
# shellcheck source=lib/openstack.sh
. "$LAB_LIB/openstack.sh"

usage() {
  cat <<'EOF'
usage: lab.sh COMMAND
  up [--openstack]        install packages, build the guest, start libvirt, define the demo domains;
                          --openstack: then the OpenStack services too (see 'openstack up')
  down                    stop OpenStack (if running), remove demo-*/t-* domains, stop the daemons
                          up started, restore /dev/kvm
  status                  show the lab (and OpenStack); exit 0 when the libvirt lab is up, 3 when not
  reset                   remove all demo-*/t-* domains and recreate the demo set
  define NAME KIND [--start] [--no-agent] [--wait-agent] [--backing]
                          KIND: controller | bare | channel; fresh disks; replaces a lab domain NAME;
                          --backing: disks are overlays on per-domain base images
  undefine NAME           destroy, undefine (with snapshot metadata) and delete its files
  shell NAME 'COMMAND'    run COMMAND as root in the guest over its serial shell (not the agent)
  openstack up            packages, libvirt, then MariaDB, RabbitMQ, Keystone, Glance, Placement,
                          Neutron, Nova on 127.0.0.1 (state: $FROST_LAB_DIR/openstack); idempotent
  openstack down          stop every OpenStack daemon by pid, remove the libvirt domains Nova made
  openstack status        show the OpenStack daemons; exit 0 when all run, 3 when not
  openstack reset         down, delete all OpenStack state (databases, images, instances), up
environment: FROST_LAB_DIR (default /var/tmp/frost-lab), FROST_LAB_SHELL_TIMEOUT (default 30 s)
EOF
}

# Commands that reshape the lab take the lock exclusively; define/undefine share it so tests
# can create their domains in parallel but never while a reset or down runs. fd 9 is closed
# for the daemons we start, or they would hold the lock forever.
lab_lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/lab.lock"
  flock "$1" -w 600 9 || die "could not get the lab lock ($STATE_DIR/lab.lock)"
}

guest_inputs_hash() {
  (cd "$LAB_SRC/guest" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -d' ' -f1
}

ensure_guest() {
  local want t0
  want=$(guest_inputs_hash)
  if guest_built && [[ $(cat "$GUEST_DIR/inputs.sha256" 2>/dev/null) == "$want" ]]; then
    return 0
  fi
  log "building the guest (log: $LOG_DIR/guest-build.log)"
  t0=$(now)
  rm -f "$GUEST_DIR/inputs.sha256"
  bash "$LAB_SRC/guest/build.sh" "$GUEST_DIR" "$DEBS_DIR" >"$LOG_DIR/guest-build.log" 2>&1 ||
    { tail -n 20 "$LOG_DIR/guest-build.log" >&2; die "guest build failed"; }
  echo "$want" >"$GUEST_DIR/inputs.sha256"
  log "guest built in $(elapsed "$t0") s: $(tail -n 1 "$LOG_DIR/guest-build.log")"
}

show_domains() {
  local name
  for name in $(lab_domains); do printf '  %-24s %s\n' "$name" "$(domain_state "$name")"; done
}

show_daemon() {
  local name=$1 pidfile=$2 who=external
  [[ -e $STATE_DIR/started-$name ]] && who="started by lab"
  if pid_alive "$pidfile" "$name"; then
    printf '  %-9s pid %s, alive (%s)\n' "$name" "$(<"$pidfile")" "$who"
  else
    printf '  %-9s not running\n' "$name"
  fi
}

cmd_up() {
  local t0 openstack=0
  case ${1:-} in
    "") ;;
    --openstack) openstack=1 ;;
    *) die "up: unknown option $1 (only --openstack)" ;;
  esac
  (($# <= 1)) || die "usage: lab.sh up [--openstack]"
  need_root
  t0=$(now)
  mkdir -p "$GUEST_DIR" "$DOMAINS_DIR" "$LOG_DIR" "$STATE_DIR" "$DEBS_DIR"
  lab_lock -x
  install_packages
  ensure_guest
  daemons_up
  ensure_demo_domains
  if ((openstack)); then
    os_up
  elif [[ -d $OS_RUN ]] && os_all_alive; then
    # OpenStack runs: keep Nova consistent with libvirt here too.
    os_delete_lost_servers
  fi
  echo "lab up in $(elapsed "$t0") s ($LAB_DIR)"
  show_domains
}

cmd_down() {
  need_root
  lab_lock -x
  # OpenStack first, if it was ever set up: its daemons, then the domains Nova made.
  if [[ -d $OS_RUN ]]; then os_down; fi
  if libvirt_answers; then purge_lab_domains; fi
  daemons_down
  echo "lab down"
}

cmd_reset() {
  local t0
  need_root
  t0=$(now)
  lab_lock -x
  libvirt_answers || die "libvirt is not running: run 'lab.sh up'"
  purge_lab_domains
  ensure_demo_domains
  echo "lab reset in $(elapsed "$t0") s"
  show_domains
}

cmd_status() {
  local up=1 entry name
  echo "lab dir: $LAB_DIR"
  echo "daemons:"
  show_daemon virtlogd "$VIRTLOGD_PID"
  show_daemon libvirtd "$LIBVIRTD_PID"
  if guest_built; then
    echo "guest: built (kernel $(cat "$GUEST_DIR/kernel-version" 2>/dev/null || echo '?'))"
  else
    echo "guest: not built"
    up=0
  fi
  if libvirt_answers; then
    echo "domains:"
    show_domains
    for entry in "${DEMO_DOMAINS[@]}"; do
      read -r name _ <<<"$entry"
      domain_exists "$name" || up=0
    done
  else
    echo "libvirt: not answering on $URI"
    up=0
  fi
  # Shown, but the exit code stays about the libvirt lab: see 'lab.sh openstack status'.
  if [[ -d $OS_RUN ]]; then os_show || true; else echo "openstack: not set up ('lab.sh up --openstack')"; fi
  if ((up)); then echo "lab is up"; else echo "lab is down"; exit 3; fi
}

cmd_shell() {
  local name=${1:-} command=${2-} sock
  [[ -n $name && $# -eq 2 ]] || die "usage: lab.sh shell NAME 'COMMAND'"
  valid_name "$name" || die "bad domain name '$name'"
  sock=$DOMAINS_DIR/$name/shell.sock
  [[ -S $sock ]] || die "no shell socket for $name ($sock): is it a running lab domain?"
  exec python3 "$LAB_SRC/guest-shell.py" --timeout "${FROST_LAB_SHELL_TIMEOUT:-30}" "$sock" "$command"
}

cmd_openstack() {
  local sub=${1:-} t0
  (($# == 1)) || die "usage: lab.sh openstack up|down|status|reset"
  case $sub in
    up | down | reset) need_root; lab_lock -x ;;
    status) ;;
    *) die "usage: lab.sh openstack up|down|status|reset" ;;
  esac
  t0=$(now)
  case $sub in
    up)
      os_up
      echo "openstack up in $(elapsed "$t0") s ($OS_DIR)"
      ;;
    down)
      os_down
      echo "openstack down in $(elapsed "$t0") s"
      ;;
    status)
      if os_show; then echo "openstack is up"; else echo "openstack is down"; exit 3; fi
      ;;
    reset)
      os_down
      log "deleting $OS_DIR"
      rm -rf "${OS_DIR:?}"
      os_up
      echo "openstack reset in $(elapsed "$t0") s"
      ;;
  esac
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    reset) cmd_reset ;;
    define) need_root; lab_lock -s; cmd_define "$@" ;;
    undefine) need_root; lab_lock -s; cmd_undefine "$@" ;;
    shell) cmd_shell "$@" ;;
    openstack) cmd_openstack "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
