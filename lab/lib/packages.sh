# shellcheck shell=bash
# Host packages the lab needs (Debian 12 names).
#   qemu-system-x86 qemu-utils       QEMU 7.2 (guests run under TCG) and qemu-img
#   libvirt-daemon-system ...        libvirt 9.0: monolithic libvirtd + virtlogd, virsh
#   qemu-guest-agent                 pulls in qemu-ga's shared libraries, which the guest build copies
#   kmod cpio e2fsprogs              depmod/modprobe, initramfs packing, mkfs.ext4 for the disk templates
#   socat                            handy for poking sockets by hand
#   apparmor                         apparmor_parser, to check libvirt profiles (parse-only: the kernel has no AppArmor)
#   python3                          guest-shell.py
#   openssh-server netcat-openbsd    sshd for tests of qemu+ssh:// on 127.0.0.1 (started by the tests,
#                                    never as a service), and the `nc -U` that libvirt runs remotely
LAB_PACKAGES=(qemu-system-x86 qemu-utils qemu-guest-agent libvirt-daemon-system libvirt-clients
  libvirt-daemon-driver-qemu kmod cpio socat e2fsprogs apparmor python3 openssh-server netcat-openbsd)

missing_packages() {
  local p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    [[ $status == ii* ]] || echo "$p"
  done
}

# apt-get update only when the package lists are missing or older than a day.
apt_lists_fresh() {
  [[ -n $(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit 2>/dev/null) ]]
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt_lists_fresh || apt-get update -qq
  # One retry after a forced update: stale lists give 404s on mirrors that moved on.
  apt-get install -y -qq --no-install-recommends "$@" ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"; }
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages "${LAB_PACKAGES[@]}")
  ((${#missing[@]} == 0)) && return 0
  log "installing ${missing[*]}"
  apt_install "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 ||
    die "apt-get install failed, see $LOG_DIR/apt.log"
  # Record it for the curious; down does not uninstall packages.
  printf '%s\n' "${missing[@]}" >>"$STATE_DIR/installed-packages"
}
