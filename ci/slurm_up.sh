#!/usr/bin/env bash
# Start a real one-node SLURM cluster on localhost (Debian 12, root) with accounting, for tests/test_slurm.py.
# Adapted from ../shared/recipes/slurm-localhost. munge, MariaDB, slurmdbd, slurmctld and slurmd are
# installed with apt when missing and started with their state, logs and pid files under $SLURM_CI_DIR
# (ci/slurm_down.sh stops them by those pids). slurmdbd is there so that the production profile
# (profiles/slurm) runs unchanged: sacct works for the status checks and the account `ciacct` exists.
# Usage: SLURM_CI_DIR=/tmp/x ci/slurm_up.sh
set -euo pipefail
S=${SLURM_CI_DIR:?set SLURM_CI_DIR to a fresh directory for the cluster state}
mkdir -p "$S"/{state,spool,log}
chmod 755 "$S"
export DEBIAN_FRONTEND=noninteractive

step() { printf '[slurm_up %3ds] %s\n' "$SECONDS" "$*"; }

# Never take over a real installation: only a config this script wrote may be overwritten (exit 3 = refused).
MARKER="# Written by xraylatent ci/slurm_up.sh"
if pgrep -x slurmctld >/dev/null || { [ -e /etc/slurm/slurm.conf ] && ! grep -qxF "$MARKER" /etc/slurm/slurm.conf; }; then
  echo "slurm_up: a SLURM installation not made by this script is present (running slurmctld or" \
       "/etc/slurm/slurm.conf); leaving it alone" >&2
  exit 3
fi

if ! command -v slurmctld slurmd slurmdbd sbatch mariadbd munged >/dev/null; then
  step "apt-get install slurm, munge, mariadb"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurmdbd slurm-client munge mariadb-server >/dev/null
fi

# The config must be at the compiled-in path: the slurm-jobstep plugin strips SLURM_* (SLURM_CONF too)
# from the environment of the inner srun, which would then not find a config elsewhere.
cat > /etc/slurm/slurm.conf <<CONF
$MARKER
ClusterName=localci
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$S/state
SlurmdSpoolDir=$S/spool
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStorageEnforce=associations
AccountingStoreFlags=job_comment
JobAcctGatherType=jobacct_gather/linux
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=300
MpiDefault=none
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$(( $(free -m | awk '/^Mem:/{print $2}') * 8 / 10 )) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

# munged and mariadbd run as their own users and keep pid files and data under $S.
if ! runuser -u nobody -- test -x "$S"; then
  echo "slurm_up: $S is not reachable by other users (a parent directory is private); use e.g. mktemp -d" \
       "and chmod 755 it" >&2
  exit 1
fi

step "munge"
mkdir -p /run/munge /var/log/munge /var/lib/munge
chown munge:munge /run/munge /var/log/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
  /usr/sbin/mungekey -c 2>/dev/null || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 2>/dev/null
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
fi
# A munged that is already running (another user of this machine) is reused, never restarted. munged runs
# as user munge, so its pid file goes to a directory that user owns.
mkdir -p "$S/munge"
chown munge:munge "$S/munge"
pgrep -x munged >/dev/null || runuser -u munge -- /usr/sbin/munged --pid-file="$S/munge/munged.pid"

wait_for() {  # wait_for <what> <command...>: poll for up to 30 s
  local what=$1; shift
  for _ in $(seq 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "slurm_up: $what did not come up; logs in $S/log and $S/mysql/err.log" >&2
  return 1
}

step "mariadb"
D=$S/mysql
mkdir -p "$D"
chown mysql:mysql "$D"
[ -d "$D/data/mysql" ] || mariadb-install-db --user=mysql --datadir="$D/data" >/dev/null
mariadbd --user=mysql --datadir="$D/data" --socket="$D/mysql.sock" --pid-file="$D/mariadb.pid" \
  --bind-address=127.0.0.1 --port=3306 --log-error="$D/err.log" >/dev/null 2>&1 &
wait_for mariadb test -S "$D/mysql.sock"
mariadb -S "$D/mysql.sock" -u root -e "
  CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmpw';
  CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmpw';
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"

step "slurmdbd"
cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
SlurmUser=root
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=3306
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
LogFile=$S/log/slurmdbd.log
PidFile=$S/slurmdbd.pid
CONF
chmod 600 /etc/slurm/slurmdbd.conf
slurmdbd
wait_for slurmdbd sacctmgr -n list cluster
sacctmgr -i add cluster localci >/dev/null 2>&1 || true
sacctmgr -i add account ciacct Description=ci Organization=ci >/dev/null 2>&1 || true
sacctmgr -i add user "$(id -un)" account=ciacct >/dev/null 2>&1 || true

step "slurmctld, slurmd"
slurmctld
# The host name of these machines is not `localhost`, the node's name in slurm.conf.
slurmd -N localhost
wait_for "an idle node" bash -c 'sinfo -h -o %t | grep -q idle'
step "up"
sinfo
