#!/usr/bin/env bash
# run_slurm.sh — parity diff of two sharded checkpoints as an 8-task Slurm
# job array (examples/slurm/parity_slurm.sh: one parity diff --slice K/8
# per task, then parity merge) on a one-node cluster this test starts:
# munged, slurmctld and slurmd on localhost, private to a temporary
# directory (own munge key and socket, own ports, own state), stopped at
# the end. The merged report, in JSON and text, and its exit status must
# be the single process's, byte for byte.
#
# Needs root and Debian's slurm-wlm and munge (make deps-test installs
# them). Skipped (exit 77), saying why, when they are absent or the
# cluster does not come up; PARITY_SKIP_SLURM=1 skips it on purpose.
set -u
: "${PARITY_SRC:?}" "${PARITY:?}"
py=${PARITY_PYTHON:-/usr/bin/python3}
skip() { echo "SKIP: $*"; exit 77; }
[ "${PARITY_SKIP_SLURM:-0}" = 1 ] && skip "PARITY_SKIP_SLURM=1"
for b in munged slurmctld slurmd sbatch sinfo scontrol; do
    command -v "$b" >/dev/null || PATH=$PATH:/usr/sbin command -v "$b" >/dev/null ||
        skip "$b is absent (apt-get install slurm-wlm munge; make deps-test does)"
done
PATH=$PATH:/usr/sbin
[ "$(id -u)" = 0 ] || skip "slurmd needs root to start jobs as their user"
"$py" -c 'import numpy' 2>/dev/null || skip "$py has no numpy"

tmp=$(mktemp -d)
pids=()
stop() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap stop EXIT
chmod 711 "$tmp" # munged wants its socket directory searchable
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/parts" "$tmp/data"

# Two free TCP ports for slurmctld and slurmd (other runs may share the host).
read -r port_ctld port_d < <("$py" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

# munge, with its own key and socket
dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge.key"
munged --force --key-file="$tmp/munge.key" --socket="$tmp/munge.sock" \
    --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" \
    --seed-file="$tmp/munged.seed" --foreground >"$tmp/munged.out" 2>&1 &
pids+=($!)

node=paritynode
cpus=$(nproc)
cat >"$tmp/slurm.conf" <<CONF
ClusterName=paritytest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$port_ctld
SlurmdPort=$port_d
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool/%n
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$node NodeHostname=$(hostname) NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
for i in $(seq 50); do [ -S "$tmp/munge.sock" ] && break; sleep 0.1; done
[ -S "$tmp/munge.sock" ] || { cat "$tmp/munged.log" 2>/dev/null; skip "munged did not start"; }
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N "$node" -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
up=0
for i in $(seq 120); do
    state=$(sinfo -h -n "$node" -o %t 2>/dev/null)
    case $state in idle*) up=1; break ;; esac
    sleep 0.5
done
if [ $up = 0 ]; then
    tail -n 20 "$tmp/slurmctld.log" "$tmp/slurmd.log" "$tmp/slurmctld.out" "$tmp/slurmd.out" 2>/dev/null
    skip "the one-node Slurm cluster did not come up (node state '${state:-none}')"
fi
echo "one-node cluster up: $(sinfo -h -o '%P %D %t %c')"

"$py" "$PARITY_SRC/tests/slurm/make_shards.py" "$tmp/data" || { echo "FAIL: make_shards.py"; exit 1; }
ref=$tmp/data/ref/model.safetensors.index.json
port=$tmp/data/port/model.safetensors.index.json

fails=0
"$PARITY" diff "$ref" "$port" --format json >"$tmp/single.json"
single_rc=$?
"$PARITY" diff "$ref" "$port" >"$tmp/single.txt"

# --threads 1: the two CPUs go to two tasks at a time
PARITY=$PARITY timeout 300 "$PARITY_SRC/examples/slurm/parity_slurm.sh" -n 8 -d "$tmp/parts" \
    -s "--time=5" "$ref" "$port" --threads 1 -- --format json >"$tmp/merged.json"
merged_rc=$?
n_parts=$(ls "$tmp/parts"/part-*.json 2>/dev/null | wc -l)
[ "$n_parts" = 8 ] || { echo "FAIL: $n_parts parts written, expected 8"; tail -n 5 "$tmp/parts"/*.log; fails=1; }
"$PARITY" merge "$tmp/parts"/part-*.json >"$tmp/merged.txt"

if [ "$merged_rc" != "$single_rc" ]; then
    echo "FAIL: merged exit status $merged_rc, the single run's $single_rc"
    fails=1
fi
for f in json txt; do
    if cmp -s "$tmp/single.$f" "$tmp/merged.$f"; then
        echo "ok: 8 Slurm tasks merged = the single run ($f, $(wc -c <"$tmp/single.$f") bytes)"
    else
        echo "FAIL: 8 Slurm tasks merged differ from the single run ($f)"
        diff "$tmp/single.$f" "$tmp/merged.$f" | head -n 20
        fails=1
    fi
done
# every task ran as a task of the array, each its own part
grep -q '"k":7,"n":8' "$tmp/parts"/part-00007.json 2>/dev/null ||
    { echo "FAIL: part-00007.json is not part 7 of 8"; fails=1; }
[ $fails = 0 ] && echo "run_slurm: ok"
exit $fails
