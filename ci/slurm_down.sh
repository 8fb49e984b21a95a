#!/usr/bin/env bash
# Stop the daemons ci/slurm_up.sh started, by the pids in their pid files under $SLURM_CI_DIR
# (a munged this run did not start has no pid file there and keeps running).
set -euo pipefail
S=${SLURM_CI_DIR:?set SLURM_CI_DIR to the directory given to ci/slurm_up.sh}
pids=()
for f in "$S/slurmd.pid" "$S/slurmctld.pid" "$S/slurmdbd.pid" "$S/mysql/mariadb.pid" "$S/munge/munged.pid"; do
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  if kill "$pid" 2>/dev/null; then
    echo "stopped $(basename "$f" .pid) ($pid)"
    pids+=("$pid")
  fi
done
for pid in "${pids[@]}"; do
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
done
