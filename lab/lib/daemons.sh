# shellcheck shell=bash
# libvirt without systemd: Debian 12 ships the monolithic libvirtd (no virtqemud), plus virtlogd,
# which `virsh start` needs (without it: "Failed to connect socket to '/run/libvirt/virtlogd-sock'").
# Both daemonize with -d and write their own pid files. The lab records in $STATE_DIR which of
# them *it* started, so `down` stops only those, by pid.

VIRTLOGD_PID=/run/virtlogd.pid
LIBVIRTD_PID=/run/libvirtd.pid

# /dev/kvm: KVM itself does not work for guests on these hosts (the host is a VM; a KVM guest
# hangs after SeaBIOS), so domains are type='qemu' (TCG). But with /dev/kvm left at 0600 root:root
# (there is no udev to apply Debian's rule), libvirt decides on EVERY capability lookup that "KVM was
# enabled when probing but is not available now" and re-probes QEMU: ~4 s per virsh call, ~80 s
# for a define. root:kvm 0660 is what udev would have set; libvirt-qemu is in group kvm.
fix_dev_kvm() {
  [[ -c /dev/kvm ]] || return 0
  getent group kvm >/dev/null || { log "no group kvm: leaving /dev/kvm alone (libvirt will be slow)"; return 0; }
  [[ $(stat -c '%a %U %G' /dev/kvm) == "660 root kvm" ]] && return 0
  # Keep the first original only: a second `up` must not record our own 0660 as "original".
  [[ -e $STATE_DIR/dev-kvm ]] || stat -c '%a %u %g' /dev/kvm >"$STATE_DIR/dev-kvm"
  chown root:kvm /dev/kvm
  chmod 0660 /dev/kvm
  log "set /dev/kvm to root:kvm 0660 (was $(cut -d' ' -f1 "$STATE_DIR/dev-kvm"))"
}

restore_dev_kvm() {
  local mode uid gid
  [[ -e $STATE_DIR/dev-kvm ]] || return 0
  read -r mode uid gid <"$STATE_DIR/dev-kvm"
  if [[ -c /dev/kvm ]]; then
    chown "$uid:$gid" /dev/kvm
    chmod "$mode" /dev/kvm
    log "restored /dev/kvm to $mode $uid:$gid"
  fi
  rm -f "$STATE_DIR/dev-kvm"
}

# start_daemon NAME PIDFILE: start it unless it already runs; remember that we did.
start_daemon() {
  local name=$1 pidfile=$2 i
  if pid_alive "$pidfile" "$name"; then
    return 0
  fi
  mkdir -p /run/libvirt /var/lib/libvirt/qemu /var/log/libvirt/qemu
  # Level 3 = warnings and errors. Expected noise on this kind of host: no dnsmasq, no D-Bus
  # system bus, no DMI data, no /dev/mem. Run from / with stdio detached so a caller capturing
  # our output (out=$(lab.sh up)) never waits on a daemon holding the pipe, and with no other
  # descriptor of ours (the lab lock on fd 9, a caller's).
  (cd / && close_inherited_fds && LIBVIRT_LOG_OUTPUTS="3:file:$LOG_DIR/$name.log" "$name" -d </dev/null >>"$LOG_DIR/$name.log" 2>&1) ||
    die "$name -d failed, see $LOG_DIR/$name.log"
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pidfile" "$name" && break
    sleep 0.1
  done
  pid_alive "$pidfile" "$name" || die "$name did not come up, see $LOG_DIR/$name.log"
  cat "$pidfile" >"$STATE_DIR/started-$name"
  log "started $name (pid $(<"$pidfile"))"
}

# stop_daemon NAME PIDFILE: only if `up` started it and it is still that same process.
stop_daemon() {
  local name=$1 pidfile=$2 rec=$STATE_DIR/started-$1 pid i
  [[ -e $rec ]] || return 0
  pid=$(<"$rec")
  if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name ($pid) ignored SIGTERM for 5 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
    # A SIGKILLed daemon leaves its pid file behind.
    [[ $(cat "$pidfile" 2>/dev/null) == "$pid" ]] && rm -f "$pidfile"
  fi
  rm -f "$rec"
}

# wait_libvirt: until libvirtd answers (0), or it is gone or 30 s have passed (1).
wait_libvirt() {
  local i
  for ((i = 0; i < 150; i++)); do
    V list >/dev/null 2>&1 && return 0
    pid_alive "$LIBVIRTD_PID" libvirtd || return 1
    sleep 0.2
  done
  return 1
}

daemons_up() {
  fix_dev_kvm
  start_daemon virtlogd "$VIRTLOGD_PID"
  start_daemon libvirtd "$LIBVIRTD_PID"
  wait_libvirt || die "libvirtd does not answer 'virsh -c $URI list' (or exited), see $LOG_DIR/libvirtd.log"
}

daemons_down() {
  # libvirtd first: it is virtlogd's client.
  stop_daemon libvirtd "$LIBVIRTD_PID"
  stop_daemon virtlogd "$VIRTLOGD_PID"
  restore_dev_kvm
}

libvirt_answers() { pid_alive "$LIBVIRTD_PID" libvirtd && V list >/dev/null 2>&1; }
