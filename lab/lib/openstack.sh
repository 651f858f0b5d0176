# shellcheck shell=bash
# The optional OpenStack part of the lab (sourced by lab.sh): MariaDB, RabbitMQ, Keystone, Glance,
# Placement, Neutron (ML2, no agents) and Nova (api, conductor, scheduler, compute on the lab's
# libvirtd), Debian 12's OpenStack Zed packages, started without systemd, all on 127.0.0.1.
#
# Every daemon runs in the foreground in its own session, stdio to $OS_LOG/NAME.out, with a clean
# environment and without fd 9 (the lab lock). $OS_RUN/NAME.pid holds "PID STARTTIME CONFHASH":
# the start time (from /proc/PID/stat) tells our process from a recycled pid, the hash of its
# config files and command line tells `up` to restart it after a change. `down` stops by that pid
# (and the pids of its workers and of nova's privsep helper), never by name.
# See "OpenStack" in lab/README.md.

OS_DIR=$LAB_DIR/openstack
OS_ETC=$OS_DIR/etc
OS_RUN=$OS_DIR/run
OS_LOG=$OS_DIR/log
OS_STAMPS=$OS_DIR/state
OS_SRC=$LAB_SRC/openstack

OS_HOST=frost-lab
OS_CLOUD=frost-lab
OS_REGION=RegionOne
OS_ADMIN_PASSWORD=frost-lab-admin
OS_SERVICE_PASSWORD=frost-lab-service
OS_DB_USER=frost
OS_DB_PASSWORD=frost-lab-db
OS_DATABASES=(keystone glance placement neutron nova_api nova nova_cell0)

declare -A OS_PORT=([mariadb]=3306 [epmd]=4369 [rabbitmq]=5672 [keystone]=5000 [glance-api]=9292
  [placement]=8778 [neutron-server]=9696 [nova-api]=8774)
OS_URL=http://127.0.0.1
# Start order (os_up); os_down stops the OpenStack services together, then RabbitMQ, epmd, MariaDB.
OS_DAEMONS=(mariadb epmd rabbitmq keystone glance-api placement neutron-server nova-conductor nova-scheduler
  nova-api nova-compute)
OS_NOVA_REPORTING=(nova-conductor nova-scheduler nova-compute)
# The daemons and the one-shot tools get this environment and nothing of the caller's (a pyenv
# or PYTHONPATH there must not reach the services).
OS_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root)

# Template words (@WORD@ in lab/openstack/*.in).
declare -A OS_VARS=(
  [OS_DIR]=$OS_DIR [ETC]=$OS_ETC [RUN]=$OS_RUN [LOG]=$OS_LOG
  [HOST]=$OS_HOST [CLOUD]=$OS_CLOUD [REGION]=$OS_REGION
  [ADMIN_PASSWORD]=$OS_ADMIN_PASSWORD [SERVICE_PASSWORD]=$OS_SERVICE_PASSWORD
  [DB]="mysql+pymysql://$OS_DB_USER:$OS_DB_PASSWORD@127.0.0.1:${OS_PORT[mariadb]}" [DB_PORT]=${OS_PORT[mariadb]}
  [RABBIT_PORT]=${OS_PORT[rabbitmq]} [TRANSPORT]="rabbit://guest:guest@127.0.0.1:${OS_PORT[rabbitmq]}/"
  [KEYSTONE_URL]="$OS_URL:${OS_PORT[keystone]}" [KEYSTONE_PORT]=${OS_PORT[keystone]}
  [GLANCE_PORT]=${OS_PORT[glance-api]} [PLACEMENT_PORT]=${OS_PORT[placement]}
  [NEUTRON_PORT]=${OS_PORT[neutron-server]} [NOVA_PORT]=${OS_PORT[nova-api]}
)

# Start times (UTC, seconds) of the Nova services started by this run, for os_wait_nova_reports.
declare -A OS_STARTED=()

# --- processes ---------------------------------------------------------------------------------

# proc_state_start PID: "STATE STARTTIME" (fields 3 and 22 of /proc/PID/stat; the name in field 2
# may hold spaces, so split after its closing parenthesis).
proc_state_start() {
  local stat f
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  read -r -a f <<<"${stat##*) }"
  echo "${f[0]} ${f[19]}"
}

# proc_running PID START: the process PID with that start time exists and is no zombie.
proc_running() {
  local st start
  read -r st start < <(proc_state_start "$1" || echo "- -")
  [[ $start == "$2" && $st != Z ]]
}

# proc_tree PID: PID and its descendants.
proc_tree() {
  local child
  echo "$1"
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do proc_tree "$child"; done
}

# privsep_helpers: "PID:START" of nova's privsep daemons for this lab's nova.conf (nova-compute
# starts them through sudo + nova-rootwrap; they may outlive it).
privsep_helpers() {
  local d pid cmd
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    { cmd=$(tr '\0' ' ' <"$d/cmdline"); } 2>/dev/null || continue
    [[ $cmd == *privsep-helper* && $cmd == *"--config-file $OS_ETC/nova.conf"* ]] || continue
    echo "$pid:$(proc_state_start "$pid" | cut -d' ' -f2)"
  done
}

os_alive() {
  local rec=$OS_RUN/$1.pid pid start
  [[ -r $rec ]] || return 1
  read -r pid start _ <"$rec" || return 1
  [[ $pid =~ ^[0-9]+$ ]] && proc_running "$pid" "$start"
}

os_pid() { cut -d' ' -f1 "$OS_RUN/$1.pid"; }

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# rss_mib PID...: resident memory of the processes and their descendants, in MiB.
rss_mib() {
  local p pids=()
  for p in "$@"; do mapfile -t -O "${#pids[@]}" pids < <(proc_tree "$p"); done
  ps -o rss= -p "$(IFS=,; echo "${pids[*]}")" 2>/dev/null | awk '{ s += $1 } END { printf "%d", s / 1024 }'
}

# --- configuration -----------------------------------------------------------------------------

# os_render SRC DEST MODE: fill in the @WORDS@; DEST is only rewritten when its text changes.
os_render() {
  local src=$1 dest=$2 mode=$3 text key
  text=$(<"$src")
  for key in "${!OS_VARS[@]}"; do text=${text//@$key@/"${OS_VARS[$key]}"}; done
  [[ ! $text =~ @[A-Z_]+@ ]] || die "$src: unknown template word ${BASH_REMATCH[0]}"
  if [[ -e $dest && $(<"$dest") == "$text" ]]; then
    chmod "$mode" "$dest"
    return 0
  fi
  printf '%s\n' "$text" >"$dest.new"
  chmod "$mode" "$dest.new"
  mv "$dest.new" "$dest"
}

os_dirs() {
  mkdir -p "$LOG_DIR" "$STATE_DIR" "$OS_RUN" "$OS_LOG/rabbitmq" "$OS_STAMPS" \
    "$OS_DIR"/glance/{images,staging,cache,lock} "$OS_DIR"/keystone/{fernet-keys,credential-keys} \
    "$OS_DIR"/nova/{instances,lock} "$OS_DIR"/neutron/lock "$OS_DIR"/rabbitmq/mnesia
  # The configs hold passwords. Everything else must stay traversable: QEMU (libvirt-qemu) opens
  # the instances' disks under nova/instances.
  mkdir -p "$OS_ETC"
  chmod 0700 "$OS_ETC"
}

os_render_all() {
  local src base
  for src in "$OS_SRC"/*.in; do
    base=$(basename "$src" .in)
    case $base in
      clouds.yaml | openrc) os_render "$src" "$OS_DIR/$base" 0600 ;;
      *) os_render "$src" "$OS_ETC/$base" 0600 ;;
    esac
  done
}

# os_conf_files NAME: the rendered files daemon NAME reads (names in $OS_ETC).
os_conf_files() {
  case $1 in
    mariadb) echo my.cnf ;;
    epmd) ;;
    rabbitmq) echo rabbitmq-env.conf rabbitmq.conf rabbitmq-plugins ;;
    keystone) echo keystone.conf keystone-uwsgi.ini ;;
    placement) echo placement.conf placement-uwsgi.ini ;;
    glance-api) echo glance-api.conf ;;
    neutron-server) echo neutron.conf ml2_conf.ini ;;
    nova-compute) echo nova.conf ;;
    nova-*) echo nova.conf nova-db.conf ;;
    *) die "unknown OpenStack daemon $1" ;;
  esac
}

# os_conf_hash NAME: changes when the daemon's config files, its command line or a lab script it
# runs change.
os_conf_hash() {
  local f files=()
  for f in $(os_conf_files "$1"); do files+=("$OS_ETC/$f"); done
  os_command "$1"
  for f in "${OS_CMD[@]}"; do [[ $f == "$OS_SRC"/* ]] && files+=("$f"); done
  { cat "${files[@]}" /dev/null; printf '%s\n' "${OS_CMD[@]}"; } | sha256sum | cut -c1-16
}

# os_command NAME: sets OS_CMD to the daemon's command line (VAR=value words first go to env).
os_command() {
  local rabbit_env=(HOME="$OS_DIR/rabbitmq" RABBITMQ_CONF_ENV_FILE="$OS_ETC/rabbitmq-env.conf" ERL_EPMD_ADDRESS=127.0.0.1)
  case $1 in
    mariadb) OS_CMD=(mariadbd --defaults-file="$OS_ETC/my.cnf") ;;
    # Started by us, in the foreground, so that its pid is known: erl would otherwise start a
    # detached one of its own.
    epmd) OS_CMD=(epmd -address 127.0.0.1 -port "${OS_PORT[epmd]}") ;;
    rabbitmq) OS_CMD=("${rabbit_env[@]}" ERL_EPMD_PORT="${OS_PORT[epmd]}" /usr/lib/rabbitmq/bin/rabbitmq-server) ;;
    keystone) OS_CMD=(uwsgi --ini "$OS_ETC/keystone-uwsgi.ini") ;;
    placement) OS_CMD=(uwsgi --ini "$OS_ETC/placement-uwsgi.ini") ;;
    glance-api) OS_CMD=(glance-api --config-file "$OS_ETC/glance-api.conf") ;;
    # Debian's neutron-server with a one-import fix for a Zed bug, see lab/openstack/neutron-server.py.
    neutron-server) OS_CMD=(/usr/bin/python3 "$OS_SRC/neutron-server.py" --config-file "$OS_ETC/neutron.conf" --config-file "$OS_ETC/ml2_conf.ini") ;;
    nova-compute) OS_CMD=(nova-compute --config-file "$OS_ETC/nova.conf") ;;
    nova-*) OS_CMD=("$1" --config-file "$OS_ETC/nova.conf" --config-file "$OS_ETC/nova-db.conf") ;;
    *) die "unknown OpenStack daemon $1" ;;
  esac
}

# --- starting and stopping ---------------------------------------------------------------------

# os_start NAME: start the daemon unless it runs with its current config (a changed config
# restarts it). Does not wait for it: see os_wait.
os_start() {
  local name=$1 hash port pid
  hash=$(os_conf_hash "$name")
  if os_alive "$name"; then
    [[ $(cut -d' ' -f3 "$OS_RUN/$name.pid") == "$hash" ]] && return 0
    log "$name: its configuration changed, restarting it"
    os_stop "$name"
  fi
  port=${OS_PORT[$name]:-}
  if [[ -n $port ]] && port_open "$port"; then
    die "127.0.0.1:$port (for $name) is in use by a program the lab did not start"
  fi
  os_command "$name"
  if [[ $name == nova-* ]]; then OS_STARTED[$name]=$(date -u '+%F %T'); fi
  # A background subshell is never a process-group leader here (no job control), so setsid
  # does not fork and $! is the daemon's own pid.
  (cd / && close_inherited_fds && exec setsid "${OS_ENV[@]}" "${OS_CMD[@]}" </dev/null >>"$OS_LOG/$name.out" 2>&1) &
  pid=$!
  echo "$pid $(proc_state_start "$pid" | cut -d' ' -f2) $hash" >"$OS_RUN/$name.pid"
  log "started $name (pid $pid)"
}

# os_stop NAME [SECONDS]: SIGTERM to the recorded process; its workers (and for nova-compute the
# privsep helpers) get SIGTERM when it is gone, everything left after the deadline SIGKILL.
os_stop() {
  local name=$1 limit=${2:-20} rec=$OS_RUN/$1.pid pid start p procs=() left i
  [[ -e $rec ]] || return 0
  if os_alive "$name"; then
    read -r pid start _ <"$rec"
    for p in $(proc_tree "$pid"); do procs+=("$p:$(proc_state_start "$p" | cut -d' ' -f2)"); done
    if [[ $name == nova-compute ]]; then mapfile -t -O "${#procs[@]}" procs < <(privsep_helpers); fi
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < limit * 10; i++)); do
      proc_running "$pid" "$start" || break
      sleep 0.1
    done
    for p in "${procs[@]}"; do proc_running "${p%:*}" "${p#*:}" && kill -TERM "${p%:*}" 2>/dev/null; done
    for ((i = 0; i < 50; i++)); do
      left=()
      for p in "${procs[@]}"; do proc_running "${p%:*}" "${p#*:}" && left+=("${p%:*}"); done
      ((${#left[@]})) || break
      sleep 0.1
    done
    if ((${#left[@]})); then
      log "$name: ${left[*]} still running after SIGTERM: SIGKILL"
      kill -KILL "${left[@]}" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$rec"
}

os_log_tail() {
  local f
  for f in "$OS_LOG/$1.out" "$OS_LOG/$1.log"; do
    [[ -s $f ]] || continue
    log "last lines of $f:"
    tail -n 15 "$f" >&2
  done
}

# os_wait NAME SECONDS WHAT CHECK...: until CHECK succeeds. Fails loudly when NAME exits or the
# time is up.
os_wait() {
  local name=$1 limit=$2 what=$3 t0
  shift 3
  t0=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if ! os_alive "$name"; then
      os_log_tail "$name"
      die "$name exited before $what (logs: $OS_LOG)"
    fi
    if (($(date +%s) - t0 >= limit)); then
      os_log_tail "$name"
      die "$name: no $what within $limit s (logs: $OS_LOG)"
    fi
    sleep 0.2
  done
}

http_ok() { curl -sf -m 5 -o /dev/null "$1"; }

os_sql() { timeout 60 mariadb --defaults-file="$OS_ETC/my.cnf" -N -B "$@"; }

os_wait_ready() {
  case $1 in
    mariadb) os_wait mariadb 60 "SQL" os_sql -e 'SELECT 1' ;;
    epmd) os_wait epmd 10 "port ${OS_PORT[epmd]}" port_open "${OS_PORT[epmd]}" ;;
    rabbitmq) os_wait rabbitmq 120 "AMQP on port ${OS_PORT[rabbitmq]}" port_open "${OS_PORT[rabbitmq]}" ;;
    keystone) os_wait keystone 120 "answer on /v3" http_ok "$OS_URL:${OS_PORT[keystone]}/v3" ;;
    glance-api) os_wait glance-api 180 "answer on /healthcheck" http_ok "$OS_URL:${OS_PORT[glance-api]}/healthcheck" ;;
    placement | neutron-server | nova-api) os_wait "$1" 180 "answer on /" http_ok "$OS_URL:${OS_PORT[$1]}/" ;;
    *) die "no readiness check for $1" ;;
  esac
}

# Nova's conductor, scheduler and compute have no port: each is ready once it has written its
# first heartbeat (services.updated_at, ~5 s after its start; nova-compute only after it has set
# up its compute node and resource provider).
nova_reported() {
  local binary=$1 since=$2
  [[ $(os_sql nova -e "SELECT COUNT(*) FROM services WHERE host='$OS_HOST' AND \`binary\`='$binary'
    AND deleted=0 AND updated_at >= '$since'") -ge 1 ]]
}

os_wait_nova_reports() {
  local name
  for name in "${OS_NOVA_REPORTING[@]}"; do
    [[ -n ${OS_STARTED[$name]:-} ]] || continue
    os_wait "$name" 240 "service heartbeat" nova_reported "$name" "${OS_STARTED[$name]}"
  done
}

# --- one-time setup (stamped in $OS_STAMPS, so a later up skips it) ----------------------------

stamp_ok() { [[ -e $OS_STAMPS/$1 && $(<"$OS_STAMPS/$1") == "$2" ]]; }
stamp_set() { echo "$2" >"$OS_STAMPS/$1"; }
pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }

os_init_mariadb() {
  [[ -d $OS_DIR/mysql/mysql ]] && return 0
  log "creating the MariaDB data directory"
  rm -rf "$OS_DIR/mysql"
  "${OS_ENV[@]}" timeout 120 mariadb-install-db --defaults-file="$OS_ETC/my.cnf" --auth-root-authentication-method=socket \
    --skip-test-db >"$OS_LOG/mariadb-install-db.log" 2>&1 ||
    { tail -n 15 "$OS_LOG/mariadb-install-db.log" >&2; die "mariadb-install-db failed"; }
}

os_init_databases() {
  local want db host sql=""
  want="$(IFS=,; echo "${OS_DATABASES[*]}") $OS_DB_USER $(echo "$OS_DB_PASSWORD" | sha256sum | cut -c1-16)"
  stamp_ok databases "$want" && return 0
  for db in "${OS_DATABASES[@]}"; do sql+="CREATE DATABASE IF NOT EXISTS $db; "; done
  for host in 127.0.0.1 localhost; do
    sql+="CREATE USER IF NOT EXISTS '$OS_DB_USER'@'$host' IDENTIFIED BY '$OS_DB_PASSWORD'; "
    sql+="ALTER USER '$OS_DB_USER'@'$host' IDENTIFIED BY '$OS_DB_PASSWORD'; "
    sql+="GRANT ALL PRIVILEGES ON *.* TO '$OS_DB_USER'@'$host'; "
  done
  os_sql -e "$sql" || die "creating the databases failed"
  stamp_set databases "$want"
}

# The schema steps, one function per service (run in parallel by os_sync_databases).
os_manage() { "${OS_ENV[@]}" timeout 600 "$@"; }

sync_keystone() {
  local c=(--config-file "$OS_ETC/keystone.conf") url=${OS_VARS[KEYSTONE_URL]}/v3/
  os_manage keystone-manage "${c[@]}" db_sync
  [[ -e $OS_DIR/keystone/fernet-keys/0 ]] || os_manage keystone-manage "${c[@]}" fernet_setup --keystone-user root --keystone-group root
  [[ -e $OS_DIR/keystone/credential-keys/0 ]] || os_manage keystone-manage "${c[@]}" credential_setup --keystone-user root --keystone-group root
  os_manage keystone-manage "${c[@]}" bootstrap --bootstrap-password "$OS_ADMIN_PASSWORD" \
    --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-region-id "$OS_REGION" --bootstrap-admin-url "$url" --bootstrap-internal-url "$url" --bootstrap-public-url "$url"
}
sync_glance() { os_manage glance-manage --config-file "$OS_ETC/glance-api.conf" db_sync; }
sync_placement() { os_manage placement-manage --config-file "$OS_ETC/placement.conf" db sync; }
sync_neutron() { os_manage neutron-db-manage --config-file "$OS_ETC/neutron.conf" --config-file "$OS_ETC/ml2_conf.ini" upgrade heads; }
sync_nova() {
  local c=(--config-file "$OS_ETC/nova.conf" --config-file "$OS_ETC/nova-db.conf")
  os_manage nova-manage "${c[@]}" api_db sync
  os_manage nova-manage "${c[@]}" cell_v2 map_cell0 --database_connection "${OS_VARS[DB]}/nova_cell0"
  os_manage nova-manage "${c[@]}" cell_v2 list_cells | grep -q ' cell1 ' ||
    os_manage nova-manage "${c[@]}" cell_v2 create_cell --name cell1 --verbose
  os_manage nova-manage "${c[@]}" db sync
}

# Each service's schema is brought up to date once per package version (and keystone's bootstrap
# again when the admin password changes); the ones needed run in parallel.
os_sync_databases() {
  local svc pkg want pids=() names=() i t0 failed=()
  declare -A pkg_of=([keystone]=python3-keystone [glance]=python3-glance [placement]=python3-placement
    [neutron]=python3-neutron [nova]=python3-nova)
  t0=$(now)
  for svc in keystone glance placement neutron nova; do
    pkg=${pkg_of[$svc]}
    want="$(pkg_version "$pkg")"
    [[ $svc == keystone ]] && want+=" $(echo "$OS_ADMIN_PASSWORD" | sha256sum | cut -c1-16)"
    stamp_ok "db-$svc" "$want" && continue
    (set -e; "sync_$svc") >"$OS_LOG/db-sync-$svc.log" 2>&1 &
    pids+=($!)
    names+=("$svc:$want")
  done
  ((${#pids[@]})) || return 0
  log "setting up the databases of ${names[*]%%:*} (logs: $OS_LOG/db-sync-*.log)"
  for i in "${!pids[@]}"; do
    svc=${names[i]%%:*}
    if wait "${pids[i]}"; then
      stamp_set "db-$svc" "${names[i]#*:}"
    else
      failed+=("$svc")
      tail -n 15 "$OS_LOG/db-sync-$svc.log" >&2
    fi
  done
  ((${#failed[@]} == 0)) || die "database setup failed for ${failed[*]} (logs: $OS_LOG/db-sync-*.log)"
  log "databases set up in $(elapsed "$t0") s"
}

# os_registered identity|resources: a cheap look (SQL) whether what register.py made is still there.
os_registered() {
  case $1 in
    identity)
      [[ $(os_sql keystone -e "SELECT COUNT(DISTINCT type) FROM service WHERE type IN ('image','placement','network','compute')") == 4 &&
        $(os_sql keystone -e "SELECT COUNT(*) FROM local_user WHERE name IN ('glance','placement','neutron','nova')") == 4 ]]
      ;;
    resources)
      [[ $(os_sql nova_api -e "SELECT COUNT(*) FROM flavors WHERE name='frost.tiny'") -ge 1 &&
        $(os_sql neutron -e "SELECT COUNT(*) FROM networks n JOIN subnets s ON s.network_id = n.id WHERE n.name='frost-net'") -ge 1 ]]
      ;;
  esac
}

# os_register identity|resources: lab/openstack/register.py, again when it or its inputs changed
# or something it made is gone.
os_register() {
  local step=$1 want
  want=$(cat "$OS_SRC/register.py" <(printf '%s\n' "$OS_ADMIN_PASSWORD" "$OS_SERVICE_PASSWORD" "$OS_REGION" "${OS_PORT[@]}") | sha256sum | cut -c1-16)
  stamp_ok "register-$step" "$want" && os_registered "$step" && return 0
  "${OS_ENV[@]}" OS_LAB_REGION="$OS_REGION" OS_LAB_ADMIN_PASSWORD="$OS_ADMIN_PASSWORD" \
    OS_LAB_SERVICE_PASSWORD="$OS_SERVICE_PASSWORD" OS_LAB_KEYSTONE_URL="${OS_VARS[KEYSTONE_URL]}" \
    OS_LAB_GLANCE_URL="$OS_URL:${OS_PORT[glance-api]}" OS_LAB_PLACEMENT_URL="$OS_URL:${OS_PORT[placement]}" \
    OS_LAB_NEUTRON_URL="$OS_URL:${OS_PORT[neutron-server]}" OS_LAB_NOVA_URL="$OS_URL:${OS_PORT[nova-api]}/v2.1" \
    timeout 300 /usr/bin/python3 "$OS_SRC/register.py" "$step" >>"$OS_LOG/register.log" 2>&1 ||
    { tail -n 15 "$OS_LOG/register.log" >&2; die "register.py $step failed (log: $OS_LOG/register.log)"; }
  stamp_set "register-$step" "$want"
}

# Map the compute host into cell1 (what discover_hosts_in_cells_interval would do, once).
os_discover_hosts() {
  [[ $(os_sql nova_api -e "SELECT COUNT(*) FROM host_mappings WHERE host='$OS_HOST'") -ge 1 ]] && return 0
  os_manage nova-manage --config-file "$OS_ETC/nova.conf" --config-file "$OS_ETC/nova-db.conf" cell_v2 discover_hosts --verbose >>"$OS_LOG/discover-hosts.log" 2>&1 ||
    die "nova-manage cell_v2 discover_hosts failed (log: $OS_LOG/discover-hosts.log)"
  [[ $(os_sql nova_api -e "SELECT COUNT(*) FROM host_mappings WHERE host='$OS_HOST'") -ge 1 ]] ||
    die "discover_hosts did not map $OS_HOST (log: $OS_LOG/discover-hosts.log)"
  log "mapped compute host $OS_HOST into cell1"
}

# --- libvirt domains made by Nova --------------------------------------------------------------

# Nova's domains of this lab: named instance-XXXXXXXX, Nova's namespace in <metadata>, disks under
# our instances path. Nothing else is touched (not demo-*/t-*, not another Nova's domains).
nova_domains() {
  local name xml
  for name in $(V list --all --name 2>/dev/null | grep -E '^instance-[0-9a-f]{8,}$'); do
    xml=$(V dumpxml "$name" 2>/dev/null) || continue
    [[ $xml == *'xmlns:nova="http://openstack.org/xmlns/libvirt/nova/'* && $xml == *"$OS_DIR/nova/instances/"* ]] &&
      echo "$name"
  done
}

os_purge_nova_domains() {
  local name
  for name in $(nova_domains); do
    [[ $(domain_state "$name") == "shut off" ]] || V destroy "$name" >/dev/null 2>&1 || true
    V undefine "$name" --managed-save --snapshots-metadata --checkpoints-metadata >/dev/null ||
      die "virsh undefine $name failed"
    log "removed Nova's domain $name"
  done
}

# --- servers whose domains are gone -------------------------------------------------------------

# lost_servers: "UUID<TAB>NAME" of each server Nova keeps on this compute host without a libvirt
# domain. `down` removes Nova's domains and Nova's database keeps the servers: they stay listed
# ACTIVE, and a snapshot of one "succeeds" with no image. Only servers that have a domain when Nova
# is consistent (active, stopped, paused, suspended), with no task state but a snapshot's (a
# snapshot asked of a lost server leaves its task state set); never one being built, rebuilt, resized or
# deleted. Nova's database is read before libvirt, so that a server that gets its domain in between
# is not taken for lost. Nova gives a domain the UUID of its server.
lost_servers() {
  local rows domains uuid name
  rows=$(os_sql nova -e "SELECT uuid, display_name FROM instances WHERE host='$OS_HOST' AND deleted=0
    AND vm_state IN ('active','stopped','paused','suspended')
    AND (task_state IS NULL OR task_state IN ('image_snapshot','image_snapshot_pending','image_pending_upload','image_uploading'))") ||
    die "reading Nova's servers failed (SQL)"
  [[ -n $rows ]] || return 0
  domains=$(V list --all --uuid) || die "virsh list failed: cannot tell which of Nova's servers still have their domain"
  while IFS=$'\t' read -r uuid name; do
    grep -qxF "$uuid" <<<"$domains" || printf '%s\t%s\n' "$uuid" "$name"
  done <<<"$rows"
}

# os_delete_lost_servers: deletes those servers through Nova's API (lab/openstack/delete-servers.py:
# Nova frees their ports, allocations and files) and waits until Nova no longer has them. Their
# snapshot images stay in Glance. One SQL query when there is nothing to do.
os_delete_lost_servers() {
  local lost uuid name uuids=() names=()
  lost=$(lost_servers)
  [[ -n $lost ]] || return 0
  while IFS=$'\t' read -r uuid name; do
    uuids+=("$uuid")
    names+=("$name ($uuid)")
  done <<<"$lost"
  log "deleting ${#uuids[@]} server(s) whose libvirt domain is gone: ${names[*]}"
  "${OS_ENV[@]}" OS_LAB_REGION="$OS_REGION" OS_LAB_ADMIN_PASSWORD="$OS_ADMIN_PASSWORD" \
    OS_LAB_KEYSTONE_URL="${OS_VARS[KEYSTONE_URL]}" \
    timeout 300 /usr/bin/python3 "$OS_SRC/delete-servers.py" "${uuids[@]}" >>"$OS_LOG/delete-servers.log" 2>&1 ||
    { tail -n 15 "$OS_LOG/delete-servers.log" >&2; die "deleting the servers whose domain is gone failed (log: $OS_LOG/delete-servers.log)"; }
}

# os_all_alive: every OpenStack daemon of the lab runs.
os_all_alive() {
  local name
  for name in "${OS_DAEMONS[@]}"; do os_alive "$name" || return 1; done
}

# --- commands ----------------------------------------------------------------------------------

os_up() {
  local t0 name
  t0=$(now)
  os_dirs
  install_packages
  os_install_packages
  os_render_all
  daemons_up
  os_init_mariadb
  os_start mariadb
  os_start epmd
  os_wait_ready epmd
  os_start rabbitmq
  os_wait_ready mariadb
  os_init_databases
  os_sync_databases
  os_start keystone
  os_wait_ready keystone
  os_register identity
  os_wait_ready rabbitmq
  # Placement first: nova-compute reports its resources there as it starts.
  for name in placement glance-api neutron-server nova-conductor nova-scheduler nova-api; do os_start "$name"; done
  os_wait_ready placement
  os_start nova-compute
  for name in glance-api neutron-server nova-api; do os_wait_ready "$name"; done
  os_wait_nova_reports
  os_discover_hosts
  os_register resources
  os_delete_lost_servers
  log "OpenStack up in $(elapsed "$t0") s: keystone ${OS_VARS[KEYSTONE_URL]}/v3, admin/$OS_ADMIN_PASSWORD, $OS_DIR/clouds.yaml (cloud $OS_CLOUD), $OS_DIR/openrc"
}

os_down() {
  local i name pids=() p
  # The OpenStack services together (each takes 1-4 s to stop cleanly), then what they need.
  for name in nova-compute nova-api nova-scheduler nova-conductor neutron-server placement glance-api keystone; do
    os_stop "$name" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for name in rabbitmq epmd mariadb; do os_stop "$name" 30; done
  # A privsep helper left from a nova-compute that was not stopped by us (killed by hand).
  for p in $(privsep_helpers); do
    proc_running "${p%:*}" "${p#*:}" && { kill -TERM "${p%:*}" 2>/dev/null || true; log "stopped a leftover privsep-helper (pid ${p%:*})"; }
  done
  if libvirt_answers; then
    os_purge_nova_domains
  elif [[ -d $OS_DIR/nova/instances ]]; then
    log "libvirt is not running: Nova's domains (if any) stay defined"
  fi
  for i in "${OS_DAEMONS[@]}"; do rm -f "$OS_RUN/$i.pid"; done
}

# os_show: one line per daemon, for lab.sh status and lab.sh openstack status; 0 when all run.
os_show() {
  local name down=0 pids=()
  echo "openstack ($OS_DIR):"
  for name in "${OS_DAEMONS[@]}"; do
    if os_alive "$name"; then
      printf '  %-15s pid %-7s %5s MiB  %s\n' "$name" "$(os_pid "$name")" "$(rss_mib "$(os_pid "$name")")" \
        "${OS_PORT[$name]:+127.0.0.1:${OS_PORT[$name]}}"
      pids+=("$(os_pid "$name")")
    else
      printf '  %-15s not running\n' "$name"
      down=1
    fi
  done
  ((${#pids[@]} == 0)) || printf '  %-15s %13s MiB RSS\n' total "$(rss_mib "${pids[@]}")"
  return "$down"
}
