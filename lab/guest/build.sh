#!/bin/bash
# Build the lab guest for libvirt direct kernel boot:
#   vmlinuz            Debian's linux-image-cloud-amd64 kernel (LZ4, ext4 and most virtio built in:
#                      boots seconds faster under TCG than the generic kernel)
#   initrd.img         busybox-static + the REAL qemu-ga from Debian's qemu-guest-agent package with
#                      its shared libraries, the stock fsfreeze-hook + 10-frost-log, a few modules, ./init
#   sys.qcow2-template, data.qcow2-template   64 MiB ext4 (labels sys, data), copied per domain
# Usage: build.sh OUT_DIR DEBS_DIR   (lab.sh calls it; .debs are cached in DEBS_DIR)
set -euo pipefail

OUT=${1:?usage: build.sh OUT_DIR DEBS_DIR}
DEBS=${2:?usage: build.sh OUT_DIR DEBS_DIR}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$OUT/work
MODULES=(virtio_pci virtio_blk virtio_console ext4)
mkdir -p "$OUT" "$DEBS" "$WORK"

say() { printf 'guest build: %s\n' "$*" >&2; }

# The package lists may be absent when every host package was already installed.
apt_cache_depends() {
  apt-cache depends "$1" 2>/dev/null || { apt-get update -qq && apt-cache depends "$1"; }
}

# fetch PACKAGE: path of its .deb, downloaded into the cache once.
fetch() {
  local pkg=$1 deb
  deb=$(find "$DEBS" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
  if [[ -z $deb ]]; then
    # apt-get download as root warns that _apt cannot write here; the download is fine.
    (cd "$DEBS" && { apt-get download -q "$pkg" || { apt-get update -qq && apt-get download -q "$pkg"; }; }) 2>&1 |
      grep -v -e 'unsandboxed as root' -e '^Get:' -e '^Fetched' >&2 || true
    deb=$(find "$DEBS" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n 1)
  fi
  [[ -n $deb ]] || { say "could not download $pkg"; exit 1; }
  echo "$deb"
}

# 1. The kernel package behind the linux-image-cloud-amd64 metapackage, e.g. linux-image-6.1.0-56-cloud-amd64.
kpkg=$(apt_cache_depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ { print $2; exit }')
[[ -n $kpkg ]] || { say "cannot resolve linux-image-cloud-amd64"; exit 1; }
kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)
qdeb=$(fetch qemu-guest-agent)

# 2. Unpack. The kernel tree is kept between builds (it is the slow part); depmod -b makes the
# modules.dep that modprobe -d needs to resolve dependencies outside the running system.
kx=$WORK/$kpkg
if [[ ! -d $kx/boot ]]; then
  rm -rf "$WORK"/linux-image-*
  dpkg-deb -x "$kdeb" "$kx"
fi
kver=$(ls "$kx/lib/modules")
[[ -e $kx/lib/modules/$kver/modules.dep ]] || depmod -b "$kx" "$kver"
rm -rf "$WORK/busybox" "$WORK/qga"
dpkg-deb -x "$bdeb" "$WORK/busybox"
dpkg-deb -x "$qdeb" "$WORK/qga"

# 3. The root filesystem.
root=$WORK/rootfs
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/qemu/fsfreeze-hook.d,proc,sys,dev,run,tmp,data,mnt,var/log}
ln -s ../run "$root/var/run"
cp "$WORK/busybox/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list-full); do
  [[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
done

# qemu-ga and its shared libraries, resolved with the host's ldd (same Debian release).
cp "$WORK/qga/usr/sbin/qemu-ga" "$root/usr/sbin/qemu-ga"
for lib in $(ldd "$root/usr/sbin/qemu-ga" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
install -m 0755 "$WORK/qga/etc/qemu/fsfreeze-hook" "$root/etc/qemu/fsfreeze-hook"
install -m 0755 "$SRC/10-frost-log" "$root/etc/qemu/fsfreeze-hook.d/10-frost-log"
install -m 0755 "$SRC/init" "$root/init"
echo frost-guest >"$root/etc/hostname"
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

# Modules the cloud kernel does not build in, in dependency order ("builtin" lines are skipped).
: >"$root/etc/modules.order"
for m in "${MODULES[@]}"; do
  modprobe -d "$kx" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
  rel=${ko#"$kx"}
  mkdir -p "$root$(dirname "$rel")"
  cp "$ko" "$root$rel"
  echo "$rel" >>"$root/etc/modules.order"
done

# 4. Pack, then swap the results in (a half-built guest never replaces a working one).
(cd "$root" && find . -print0 | sort -z | cpio --null -o -H newc --owner=0:0 --quiet | gzip -6) >"$OUT/initrd.img.new"
cp "$kx/boot/vmlinuz-$kver" "$OUT/vmlinuz.new"

# 5. Disk templates: ext4 made on the host, converted to qcow2 (about 1 MiB each).
for label in sys data; do
  rm -f "$WORK/$label.raw"
  truncate -s 64M "$WORK/$label.raw"
  mkfs.ext4 -q -F -L "$label" "$WORK/$label.raw"
  qemu-img convert -f raw -O qcow2 "$WORK/$label.raw" "$OUT/$label.qcow2-template.new"
  rm -f "$WORK/$label.raw"
done

for f in vmlinuz initrd.img sys.qcow2-template data.qcow2-template; do mv -f "$OUT/$f.new" "$OUT/$f"; done
echo "$kver" >"$OUT/kernel-version"
say "kernel $kver ($(stat -c %s "$OUT/vmlinuz") bytes), initrd $(stat -c %s "$OUT/initrd.img") bytes, $(wc -l <"$root/etc/modules.order") modules"
