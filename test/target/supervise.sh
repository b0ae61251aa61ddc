#!/bin/sh
# Stands in for systemd inside the target suite's chroot, where there is no PID 1 to run the
# unit: reads the installed tillqr.service and does what systemd would with it — User= and
# SupplementaryGroups=, Environment=, ExecStartPre= then ExecStart=, Restart=always after
# RestartSec= (exit 75 included, RestartForceExitStatus=75) — until /run/tillqr-supervise.stop
# exists. Each start is logged on stderr as "supervise: start N" and each exit with its code.
set -u
unit=/etc/systemd/system/tillqr.service
val() { sed -n "s/^$1=//p" "$unit" | head -n 1; }
user=$(val User)
pre=$(val ExecStartPre)
start=$(val ExecStart)
delay=$(val RestartSec)
sed -n "s/^Environment=//p" "$unit" >/tmp/supervise.env
while read -r assignment; do export "${assignment?}"; done </tmp/supervise.env
as_user() { setpriv --reuid="$user" --regid="$user" --init-groups "$@"; }
n=0
while [ ! -e /run/tillqr-supervise.stop ]; do
  n=$((n + 1))
  echo "supervise: start $n" >&2
  # shellcheck disable=SC2086 # the unit's command lines are word-split as systemd would
  as_user $pre || echo "supervise: ExecStartPre exited $?" >&2
  # shellcheck disable=SC2086
  as_user $start
  echo "supervise: exited $?" >&2
  sleep "${delay:-2}"
done
