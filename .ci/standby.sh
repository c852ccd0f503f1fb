#!/usr/bin/env bash
# A streaming hot standby of the local PostgreSQL (127.0.0.1:5432) on 127.0.0.1:5433, for the
# read-replica tests (CALLPOP_TEST_STANDBY_URL). Idempotent: run it twice, or with the cluster
# already there (running, stopped, or too far behind to catch up), and it ends with the standby
# in recovery and streaming from the primary, or exits non-zero saying why.
# The primary is only ever reloaded (never restarted), and only when its pg_hba.conf lacks the
# replication line, so other engineers' connections to it are kept. No replication slot: a
# standby left stopped must not make the primary keep WAL forever; one that fell behind is
# rebuilt from a fresh base backup instead.
set -euo pipefail

PORT="${CALLPOP_STANDBY_PORT:-5433}"
NAME="${CALLPOP_STANDBY_CLUSTER:-standby}"
VERSION="$(ls /etc/postgresql | sort -V | tail -1)"
HBA="/etc/postgresql/$VERSION/main/pg_hba.conf"
LINE="host replication postgres 127.0.0.1/32 trust"
DATA="/var/lib/postgresql/$VERSION/$NAME"

say() { echo "standby: $*"; }
primary() { psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc "$1"; }
standby() { psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc "$1" 2>/dev/null; }
exists() { pg_lsclusters -h | awk -v n="$NAME" -v v="$VERSION" '$1 == v && $2 == n' | grep -q .; }

# The primary must accept a replication connection from 127.0.0.1 (wal_level replica and
# max_wal_senders > 0 are PostgreSQL's defaults: checked, not changed).
if ! grep -qxF "$LINE" "$HBA"; then
  say "adding the replication line to $HBA and reloading the primary"
  echo "$LINE" >>"$HBA"
  primary 'select pg_reload_conf()' >/dev/null
fi
level="$(primary 'show wal_level')"
senders="$(primary 'show max_wal_senders')"
if [ "$level" = minimal ] || [ "$senders" -lt 1 ]; then
  say "the primary has wal_level=$level, max_wal_senders=$senders: it cannot stream to a standby" >&2
  exit 1
fi

create() {
  say "creating cluster $VERSION/$NAME on port $PORT from a base backup of 127.0.0.1:5432"
  pg_createcluster "$VERSION" "$NAME" -p "$PORT" >/dev/null
  rm -rf "$DATA"
  install -d -o postgres -g postgres -m 0700 "$DATA"
  runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p 5432 -U postgres -D "$DATA" -R -X stream -c fast
  # The standby lets in whom the primary lets in (here: trust on loopback, like the tests' primary).
  install -o postgres -g postgres -m 0640 "$HBA" "/etc/postgresql/$VERSION/$NAME/pg_hba.conf"
  # listen_addresses (localhost) and hot_standby (on) keep their defaults: loopback only, readable.
}

drop() {
  say "dropping cluster $VERSION/$NAME ($1)"
  pg_dropcluster --stop "$VERSION" "$NAME"
}

start() {
  pg_isready -q -h 127.0.0.1 -p "$PORT" && return 0
  say "starting cluster $VERSION/$NAME"
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start
}

# Streaming: in recovery, and the WAL receiver is connected to the primary.
streaming() {
  [ "$(standby 'select pg_is_in_recovery()')" = t ] &&
    [ "$(standby "select count(*) from pg_stat_wal_receiver where status = 'streaming'")" = 1 ]
}

wait_streaming() {
  for _ in $(seq 1 "$1"); do
    streaming && return 0
    sleep 1
  done
  return 1
}

for attempt in 1 2; do
  if exists && [ ! -f "$DATA/standby.signal" ]; then
    drop "it is not a standby (promoted, or made by hand)"
  fi
  exists || create
  if start && wait_streaming 30; then
    # A test run that was killed while replay was paused must not leave it paused.
    standby 'select pg_wal_replay_resume() where pg_is_wal_replay_paused()' >/dev/null
    say "127.0.0.1:$PORT is a hot standby streaming from 127.0.0.1:5432"
    exit 0
  fi
  [ "$attempt" = 2 ] && break
  drop "it does not stream from the primary; see /var/log/postgresql/postgresql-$VERSION-$NAME.log"
done
say "the standby on 127.0.0.1:$PORT cannot be set up" >&2
exit 1
