#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, to test and try the Slurm recipe (deploy/slurm/, docs/cluster.md):
# munged, slurmctld and slurmd from Debian's packages (apt-get install --no-install-recommends slurmctld slurmd
# slurm-client munge), run as root without systemd, configured in $SLURM_LOCAL_DIR (default
# /tmp/powerlaw-sgd-slurm): node `localhost` with this machine's cores, one partition, no accounting (read job
# states with `scontrol -o show job`, not sacct).
#
#   scripts/slurm-local.sh start    start the daemons, wait until the node is idle (~2 s), print `export SLURM_CONF=…`
#   scripts/slurm-local.sh stop     `scontrol shutdown`, then munged by its pid (when this script started it)
#   scripts/slurm-local.sh status   exit 0 when the controller answers and the node is up
#
# Client commands (sbatch, squeue, scontrol, scancel) need SLURM_CONF=$SLURM_LOCAL_DIR/slurm.conf in their environment.
set -euo pipefail

DIR=${SLURM_LOCAL_DIR:-/tmp/powerlaw-sgd-slurm}
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF

die() {
  echo "slurm-local: $*" >&2
  exit 1
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { [ -f "$1" ] && cat "$1" || true; }

write_conf() {
  mkdir -p "$DIR/state" "$DIR/spool"
  cat >"$CONF" <<EOF
# written by scripts/slurm-local.sh: a one-node cluster for tests
ClusterName=powerlaw-sgd-local
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  # munged refuses to run as root ("Logfile is insecure"); it runs as the munge user, with its socket in /run/munge
  if alive "$(pid_of /run/munge/munged.pid)"; then return; fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  [ -f /etc/munge/munge.key ] || die "no /etc/munge/munge.key (reinstall the munge package, or run mungekey as munge)"
  runuser -u munge -- /usr/sbin/munged
  touch "$DIR/munged.started-here"
}

start() {
  for cmd in munged slurmctld slurmd sbatch scontrol; do
    command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ] || die "$cmd not found: apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge"
  done
  mkdir -p "$DIR"
  write_conf
  start_munge
  alive "$(pid_of "$DIR/slurmctld.pid")" || /usr/sbin/slurmctld -f "$CONF"
  alive "$(pid_of "$DIR/slurmd.pid")" || /usr/sbin/slurmd -f "$CONF" -N localhost
  for _ in $(seq 1 150); do
    state=$(sinfo -h -N -o %t 2>/dev/null || true)
    if [ "$state" = "idle" ]; then
      echo "export SLURM_CONF=$CONF"
      return
    fi
    sleep 0.2
  done
  die "the node did not become idle in 30 s (state: ${state:-none}); see $DIR/slurmctld.log and $DIR/slurmd.log"
}

stop() {
  [ -f "$CONF" ] || return 0
  local ctld slurmd
  ctld=$(pid_of "$DIR/slurmctld.pid")
  slurmd=$(pid_of "$DIR/slurmd.pid")
  if alive "$ctld"; then scontrol shutdown >/dev/null 2>&1 || true; fi
  for _ in $(seq 1 100); do
    alive "$ctld" || alive "$slurmd" || break
    sleep 0.1
  done
  # a slurmd whose controller was already gone does not get the shutdown message
  if alive "$slurmd"; then kill "$slurmd" || true; fi
  if [ -f "$DIR/munged.started-here" ]; then
    local munged
    munged=$(pid_of /run/munge/munged.pid)
    if alive "$munged"; then kill "$munged" || true; fi
    rm -f "$DIR/munged.started-here"
  fi
}

status() {
  scontrol ping >/dev/null 2>&1 || die "the controller does not answer"
  sinfo -h -N -o "%N %t"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: scripts/slurm-local.sh start|stop|status" ;;
esac
