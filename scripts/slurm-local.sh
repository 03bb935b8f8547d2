#!/usr/bin/env bash
# A one-node Slurm cluster (Debian's slurm-wlm + munge) living in one directory, to try the Slurm recipe of
# docs/scale-out.md by hand and for the test that runs it (SlurmRecipeTests):
#   scripts/slurm-local.sh start DIR    # writes DIR/slurm.conf, starts munged, slurmctld and slurmd, waits until
#                                       # the node is idle, prints the one variable the client commands need
#   export SLURM_CONF=DIR/slurm.conf; sbatch --array=0-15 script.sh; squeue
#   scripts/slurm-local.sh stop DIR     # stops the three daemons it started (by the ids in DIR/*.pid)
# Nothing outside DIR is read or written (own munge key and socket, free ports on 127.0.0.1, no /etc/slurm), so
# it runs beside a real cluster or another copy of itself. Run as root (slurmd starts each job as its owner).
# The node claims 32 CPUs and 32 GB, whatever the machine has (SlurmdParameters=config_overrides), so that the
# recipe's --cpus-per-task=16 --mem=16G is scheduled as written: two tasks at a time.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
(($# == 2)) || usage
action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
sbin=/usr/sbin

stop() {
  local status=0
  if [[ -s "$dir/slurmctld.pid" ]] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then
    # Jobs first: a task's slurmstepd would outlive slurmd. Then up to 30 s for the queue to empty.
    export SLURM_CONF="$dir/slurm.conf"
    scancel --user="$(id -un)" 2>/dev/null || true
    for _ in $(seq 300); do [[ -z $(squeue -h 2>/dev/null) ]] && break; sleep 0.1; done
  fi
  for daemon in slurmd slurmctld munged; do
    local pidfile="$dir/$daemon.pid"
    [[ -s "$pidfile" ]] || continue
    local pid; pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
      # SIGTERM: each daemon exits within a few seconds; wait up to 30 s, then SIGKILL that one process.
      for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; status=1; }
    fi
    rm -f "$pidfile"
  done
  return $status
}

free_port() {
  # A port nothing listens on, from a range away from the usual services.
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    ss -Htln "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
}

start() {
  for tool in munged slurmctld slurmd; do
    [[ -x "$sbin/$tool" ]] || { echo "$0: $sbin/$tool is missing (apt-get install slurm-wlm munge)" >&2; exit 3; }
  done
  [[ $(id -u) -eq 0 ]] || { echo "$0: run as root (slurmd starts each job as the user who submitted it)" >&2; exit 3; }
  stop 2>/dev/null || true
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
  chmod 700 "$dir/munge"
  [[ -s "$dir/munge/munge.key" ]] || { head -c 1024 /dev/urandom > "$dir/munge/munge.key"; chmod 400 "$dir/munge/munge.key"; }
  local user; user=$(id -un)
  local ctl_port; ctl_port=$(free_port)
  local node_port; node_port=$(free_port)
  cat > "$dir/slurm.conf" <<EOF
ClusterName=btfconvert-local
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$node_port
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
PlugStackConfig=$dir/plugstack.conf
# No cgroups: the machine (a container, a CI runner) need not delegate them.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# One line per finished job (state and exit code), read by the test: sacct needs slurmdbd.
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
SchedulerParameters=sched_interval=5
ReturnToService=2
MpiDefault=none
MinJobAge=3600
NodeName=local NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=32 RealMemory=32768 State=UNKNOWN
PartitionName=local Nodes=local Default=YES MaxTime=INFINITE State=UP
EOF
  cat > "$dir/cgroup.conf" <<EOF
# Read by slurmd only if a cgroup plugin were configured; slurm.conf uses none (proctrack/linuxproc, task/none).
CgroupPlugin=autodetect
EOF
  : > "$dir/plugstack.conf"

  "$sbin/munged" --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
    --log-file="$dir/munged.log" --pid-file="$dir/munged.pid" --seed-file="$dir/munge/munged.seed"
  export SLURM_CONF="$dir/slurm.conf"
  # -i: ignore state saved by an earlier start in DIR; -N: this node's name in slurm.conf.
  "$sbin/slurmctld" -i -f "$SLURM_CONF"
  "$sbin/slurmd" -N local -f "$SLURM_CONF"

  # Ready when the node reports idle; slurmd registers within a second or two. Bounded, not a guess of the time.
  for _ in $(seq 600); do
    [[ $(sinfo -h -n local -o %t 2>/dev/null) == idle ]] && { echo "export SLURM_CONF=$SLURM_CONF"; return 0; }
    sleep 0.1
  done
  echo "$0: the node did not come up within 60 s; see $dir/slurmctld.log and $dir/slurmd.log" >&2
  stop || true
  exit 1
}

case "$action" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
