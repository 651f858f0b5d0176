# shellcheck shell=bash
# Debian 12 packages of OpenStack Zed for the optional OpenStack part of the lab (sourced).
#   mariadb-server python3-pymysql   the services' databases (Keystone on sqlite fails: "database is locked")
#   rabbitmq-server                  oslo.messaging has no usable transport without a broker
#   keystone uwsgi-core ...          Keystone and Placement run under uwsgi (python3 plugin)
#   glance-api placement-api         Glance (eventlet server), Placement
#   neutron-server                   real Neutron API (ML2, no agents)
#   nova-* nova-compute-kvm          nova-compute-kvm, not -qemu: -qemu pulls in every qemu-system-*, and
#                                    libvirt then probes each of them once (~54 s); virt_type=qemu keeps TCG
OS_PACKAGES=(mariadb-server python3-pymysql rabbitmq-server keystone uwsgi-core uwsgi-plugin-python3
  glance-api placement-api neutron-server nova-api nova-conductor nova-scheduler nova-compute nova-compute-kvm)

# Package scripts would start MariaDB, RabbitMQ and every OpenStack service through invoke-rc.d.
# A policy-rc.d that answers 101 ("action forbidden") stops that; ours goes again after apt, and
# an existing one is left as it is.
POLICY_RC_D=/usr/sbin/policy-rc.d
POLICY_MARK='# frost lab: no service starts during apt (removed after the install)'

os_install_packages() {
  local missing rc=0 ours=0 t0
  mapfile -t missing < <(missing_packages "${OS_PACKAGES[@]}")
  ((${#missing[@]} == 0)) && return 0
  log "installing OpenStack packages: ${missing[*]} (log: $LOG_DIR/apt.log; takes a few minutes the first time)"
  t0=$(now)
  if [[ ! -e $POLICY_RC_D ]]; then
    printf '#!/bin/sh\n%s\nexit 101\n' "$POLICY_MARK" >"$POLICY_RC_D"
    chmod 0755 "$POLICY_RC_D"
    ours=1
  fi
  apt_install "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 || rc=$?
  if ((ours)) && grep -qxF "$POLICY_MARK" "$POLICY_RC_D" 2>/dev/null; then rm -f "$POLICY_RC_D"; fi
  ((rc == 0)) || die "apt-get install failed, see $LOG_DIR/apt.log"
  printf '%s\n' "${missing[@]}" >>"$STATE_DIR/installed-packages"
  log "OpenStack packages installed in $(elapsed "$t0") s"
}
