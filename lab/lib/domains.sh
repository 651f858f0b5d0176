# shellcheck shell=bash
# Lab domains: rendering, define/undefine, the demo set, waiting for the agent.

# The demo set: name, kind, whether it runs.
#   demo-live          virtio-serial controller, no agent channel: a channel can be hot-plugged
#   demo-nocontroller  no controller: a live channel hot-plug fails, the change needs a restart
#   demo-off           shut off, nothing: only the persistent config can change
DEMO_DOMAINS=("demo-live controller run" "demo-nocontroller bare run" "demo-off bare off")

CONTROLLER_XML="    <controller type='virtio-serial' index='0'/>"
CHANNEL_XML="    <channel type='unix'>
      <source mode='bind'/>
      <target type='virtio' name='$AGENT_PORT'/>
    </channel>"

# render_domain NAME KIND CMDLINE_EXTRA > domain.xml
render_domain() {
  local name=$1 kind=$2 extra=$3 xml devices
  case $kind in
    bare) devices="" ;;
    controller) devices=$CONTROLLER_XML ;;
    channel) devices="$CONTROLLER_XML"$'\n'"$CHANNEL_XML" ;;
    *) die "unknown kind '$kind' (controller, bare or channel)" ;;
  esac
  xml=$(<"$LAB_SRC/domain.xml.in")
  # Quoted replacements: bash 5.2 would otherwise treat '&' in them specially.
  xml=${xml//@NAME@/"$name"}
  xml=${xml//@GUEST@/"$GUEST_DIR"}
  xml=${xml//@DOMDIR@/"$DOMAINS_DIR/$name"}
  xml=${xml//@CMDLINE@/"$extra"}
  xml=${xml//@DEVICES@/"$devices"}
  printf '%s\n' "$xml"
}

guest_built() { [[ -e $GUEST_DIR/vmlinuz && -e $GUEST_DIR/initrd.img && -e $GUEST_DIR/sys.qcow2-template && -e $GUEST_DIR/data.qcow2-template ]]; }

# Destroy (if running) and undefine NAME with all its libvirt metadata, then drop its files
# (disks, external snapshot overlays next to them, sockets, console log).
remove_domain() {
  local name=$1
  if domain_exists "$name"; then
    [[ $(domain_state "$name") == "shut off" ]] || V destroy "$name" >/dev/null 2>&1 || true
    V undefine "$name" --snapshots-metadata --checkpoints-metadata --managed-save >/dev/null ||
      die "virsh undefine $name failed"
  fi
  rm -rf "${DOMAINS_DIR:?}/$name"
  # QEMU's stdout/stderr log, kept by virtlogd; tests make many short-lived domains.
  rm -f "/var/log/libvirt/qemu/$name.log" "/var/log/libvirt/qemu/$name.log."*
}

# create_domain NAME KIND AGENT(on|off) [BACKING(0|1)]: fresh disks + define; does not start it.
# With BACKING=1 each disk is a qcow2 overlay on its own base image (base-sys.qcow2,
# base-data.qcow2), the way instances sit on an image: tests check the bases are never written.
create_domain() {
  local name=$1 kind=$2 agent=$3 backing=${4:-0} dir=$DOMAINS_DIR/$1 extra="" disk
  guest_built || die "the guest is not built: run 'lab.sh up' first"
  [[ $agent == off ]] && extra=" qga=off"
  rm -rf "$dir"
  mkdir -p "$dir"
  for disk in sys data; do
    if ((backing)); then
      cp --sparse=always "$GUEST_DIR/$disk.qcow2-template" "$dir/base-$disk.qcow2"
      qemu-img create -q -f qcow2 -F qcow2 -b "$dir/base-$disk.qcow2" "$dir/$disk.qcow2"
    else
      cp --sparse=always "$GUEST_DIR/$disk.qcow2-template" "$dir/$disk.qcow2"
    fi
  done
  render_domain "$name" "$kind" "$extra" >"$dir/domain.xml"
  V define "$dir/domain.xml" >/dev/null || die "virsh define $name failed ($dir/domain.xml)"
}

start_domain() {
  V start "$1" >/dev/null || die "virsh start $1 failed (console: $DOMAINS_DIR/$1/console.log)"
}

# wait_agent NAME [SECONDS]: until guest-ping answers through libvirt.
wait_agent() {
  local name=$1 limit=${2:-60} t0 err=""
  t0=$(date +%s)
  while (($(date +%s) - t0 < limit)); do
    if err=$(V qemu-agent-command "$name" '{"execute":"guest-ping"}' 2>&1 >/dev/null); then
      return 0
    fi
    [[ $(domain_state "$name") == running ]] || { log "$name is no longer running"; break; }
    sleep 0.25
  done
  log "guest agent of $name did not answer guest-ping within ${limit} s; last error: ${err:-none}"
  log "last console lines ($DOMAINS_DIR/$name/console.log):"
  tail -n 15 "$DOMAINS_DIR/$name/console.log" >&2 2>/dev/null || true
  return 1
}

# lab.sh define NAME KIND [--start] [--no-agent] [--wait-agent] [--backing]
cmd_define() {
  local name=${1:-} kind=${2:-} start=0 agent=on wait=0 backing=0 t0
  [[ -n $name && -n $kind ]] || die "usage: lab.sh define NAME controller|bare|channel [--start] [--no-agent] [--wait-agent]"
  shift 2
  while (($#)); do
    case $1 in
      --start) start=1 ;;
      --no-agent) agent=off ;;
      --wait-agent) wait=1 ;;
      --backing) backing=1 ;;
      *) die "define: unknown option $1" ;;
    esac
    shift
  done
  valid_name "$name" || die "bad domain name '$name' (must match $NAME_RE)"
  case $kind in controller | bare | channel) ;; *) die "unknown kind '$kind' (controller, bare or channel)" ;; esac
  if ((wait)); then
    [[ $kind == channel ]] || die "--wait-agent needs kind 'channel' (the agent has no port otherwise)"
    [[ $agent == on ]] || die "--wait-agent and --no-agent contradict each other"
    ((start)) || die "--wait-agent needs --start"
  fi
  libvirt_answers || die "libvirt is not running: run 'lab.sh up' first"
  if domain_exists "$name"; then
    # Replace only what the lab made; refuse to clobber someone else's domain.
    lab_owned "$name" || [[ -d $DOMAINS_DIR/$name ]] || die "domain $name exists and is not a lab domain"
    log "replacing the existing domain $name"
    remove_domain "$name"
  fi
  t0=$(now)
  create_domain "$name" "$kind" "$agent" "$backing"
  if ((start)); then start_domain "$name"; fi
  if ((wait)); then wait_agent "$name" 60 || die "agent of $name not answering"; fi
  log "defined $name ($kind, agent $agent$( ((start)) && echo ", running")) in $(elapsed "$t0") s"
}

cmd_undefine() {
  local name=${1:-}
  [[ -n $name ]] || die "usage: lab.sh undefine NAME"
  valid_name "$name" || die "bad domain name '$name' (must match $NAME_RE)"
  libvirt_answers || die "libvirt is not running"
  # Idempotent, so test cleanup can call it whether or not the domain still exists.
  if ! domain_exists "$name" && [[ ! -d $DOMAINS_DIR/$name ]]; then
    log "no domain $name: nothing to do"
    return 0
  fi
  remove_domain "$name"
  log "undefined $name"
}

lab_domains() { V list --all --name 2>/dev/null | grep -E "$LAB_DOMAIN_RE" || true; }

# Remove every demo-*/t-* domain. Destroying takes ~2 s each, so the running ones go in parallel.
purge_lab_domains() {
  local names n pids=()
  mapfile -t names < <(lab_domains)
  for n in "${names[@]}"; do
    if [[ $(domain_state "$n") != "shut off" ]]; then
      V destroy "$n" >/dev/null 2>&1 &
      pids+=($!)
    fi
  done
  ((${#pids[@]} == 0)) || wait "${pids[@]}" || true
  for n in "${names[@]}"; do remove_domain "$n"; done
  # Leftover directories of domains libvirt no longer knows.
  if [[ -d $DOMAINS_DIR ]]; then
    find "$DOMAINS_DIR" -mindepth 1 -maxdepth 1 -type d \( -name 'demo-*' -o -name 't-*' \) -exec rm -rf {} +
  fi
  rm -f /var/log/libvirt/qemu/demo-*.log* /var/log/libvirt/qemu/t-*.log*
  ((${#names[@]} == 0)) || log "removed ${names[*]}"
}

# Define the demo domains that are missing (existing ones keep their config) and make sure
# the running ones run.
ensure_demo_domains() {
  local entry name kind run
  for entry in "${DEMO_DOMAINS[@]}"; do
    read -r name kind run <<<"$entry"
    if domain_exists "$name" && [[ ! -e $DOMAINS_DIR/$name/sys.qcow2 ]]; then
      log "$name is defined but its disks are gone: recreating it"
      remove_domain "$name"
    fi
    domain_exists "$name" || create_domain "$name" "$kind" on
    if [[ $run == run && $(domain_state "$name") == "shut off" ]]; then start_domain "$name"; fi
  done
}
