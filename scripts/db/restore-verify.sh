#!/usr/bin/env bash
# Proves the newest backup restores (the weekly flextime-restore-verify CronJob, charts/database.ts).
#
#   find the newest dump -> download it and its .sha256 -> verify the checksum -> restore into a
#   throw-away PostgreSQL -> every key table exists and has rows -> push
#   flextime_restore_verify_success (1, or 0 on any failure) -> exit code.
#
# Environment:
#   BACKUP_TARGET        s3://<bucket>/<prefix>  (file:///<dir> in tests only)
#   DATABASE_NAME        database whose dumps to check
#   VERIFY_TABLES        space-separated schema.table names that must exist with at least one row
#   RESTORE_DUMP_KEY     optional: check this key instead of the newest dump
#   RESTORE_WORK_DIR     scratch directory (default: $TMPDIR or /tmp); holds the dump and, without
#                        SCRATCH_PGHOST, the throw-away cluster (initdb + pg_ctl, unix socket only)
#   SCRATCH_PGHOST       optional: restore into a new scratch database on this server instead
#                        (PGPORT/PGUSER/PGPASSWORD as libpq reads them); dropped afterwards
#   PUSHGATEWAY_URL      optional; METRICS_NAMESPACE adds a namespace label to the pushed group
#
# Exit codes: 0 verified; 2 configuration error; 3 no dump found or download failed; 4 checksum
# mismatch; 5 pg_restore failed; 6 a key table is missing or empty; 7 the scratch PostgreSQL did
# not start. The log line "FAILED: …" says which step failed and why.
set -euo pipefail

SCRIPT_NAME=restore-verify
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly EXIT_NO_DUMP=3 EXIT_CHECKSUM=4 EXIT_RESTORE=5 EXIT_SANITY=6 EXIT_SCRATCH=7

require_env BACKUP_TARGET DATABASE_NAME VERIFY_TABLES
check_target
DATABASE=${DATABASE_NAME}
check_identifier DATABASE_NAME "${DATABASE}"
read -r -a tables <<<"${VERIFY_TABLES}"
for table in "${tables[@]}"; do check_identifier VERIFY_TABLES "${table}"; done

work=$(mktemp -d "${RESTORE_WORK_DIR:-${TMPDIR:-/tmp}}/restore-verify.XXXXXX")
scratch_db="restore_verify_$(date -u +%Y%m%d%H%M%S)_$$"
started_cluster=""

finish() {
  local code=$?
  trap - EXIT
  if [[ -n ${SCRATCH_PGHOST:-} ]]; then
    PGHOST=${SCRATCH_PGHOST} dropdb --if-exists --no-password "${scratch_db}" 2>/dev/null || true
  fi
  if [[ -n ${started_cluster} ]]; then
    pg_ctl --pgdata="${work}/pgdata" --mode=immediate --silent stop >/dev/null 2>&1 || true
  fi
  rm -rf "${work}"
  push_metrics flextime-restore-verify "# TYPE flextime_restore_verify_success gauge
flextime_restore_verify_success $([[ $code -eq 0 ]] && echo 1 || echo 0)
"
  exit "$code"
}
trap finish EXIT

# --- 1. the dump
key=${RESTORE_DUMP_KEY:-$(newest_dump "${DATABASE}")} \
  || die "$EXIT_NO_DUMP" "cannot list the dumps of ${DATABASE} in ${BACKUP_TARGET}"
[[ -n $key ]] || die "$EXIT_NO_DUMP" "no dump of ${DATABASE} in ${BACKUP_TARGET}"
name=$(basename "$key")
log "checking ${BACKUP_TARGET%/}/${key}"
fetch "$key" "${work}/${name}" || die "$EXIT_NO_DUMP" "download of ${key} failed"
fetch "${key}.sha256" "${work}/${name}.sha256" || die "$EXIT_NO_DUMP" "download of ${key}.sha256 failed (a dump without its checksum is not trusted)"

# --- 2. the checksum written at backup time
(cd "${work}" && sha256sum --check --status "${name}.sha256") \
  || die "$EXIT_CHECKSUM" "checksum mismatch: ${name} is not the file the backup wrote (sha256 $(cut -d' ' -f1 "${work}/${name}.sha256") expected, $(sha256sum "${work}/${name}" | cut -d' ' -f1) found)"
log "checksum ok"

# --- 3. a throw-away PostgreSQL to restore into
if [[ -n ${SCRATCH_PGHOST:-} ]]; then
  export PGHOST=${SCRATCH_PGHOST}
  createdb --no-password "${scratch_db}" || die "$EXIT_SCRATCH" "cannot create the scratch database ${scratch_db} on ${PGHOST}"
else
  mkdir -p "${work}/socket"
  initdb --pgdata="${work}/pgdata" --username=postgres --auth=trust --encoding=UTF8 --no-sync >"${work}/initdb.log" 2>&1 \
    || { cat "${work}/initdb.log" >&2; die "$EXIT_SCRATCH" "initdb of the scratch cluster failed"; }
  started_cluster=yes
  pg_ctl --pgdata="${work}/pgdata" --log="${work}/postgres.log" --wait --silent \
    --options="-c listen_addresses='' -c unix_socket_directories='${work}/socket' -c fsync=off -c full_page_writes=off" start \
    || { cat "${work}/postgres.log" >&2; die "$EXIT_SCRATCH" "the scratch PostgreSQL did not start"; }
  export PGHOST="${work}/socket" PGPORT=5432 PGUSER=postgres
  unset PGPASSWORD PGSSLMODE PGSSLROOTCERT
  createdb "${scratch_db}" || die "$EXIT_SCRATCH" "cannot create the scratch database ${scratch_db}"
fi

# --- 4. restore (no owners or grants: the roles of the source need not exist here)
pg_restore --dbname="${scratch_db}" --no-owner --no-acl --exit-on-error --no-password "${work}/${name}" \
  || die "$EXIT_RESTORE" "pg_restore of ${name} into a scratch database failed"
log "restored into ${scratch_db}"

# --- 5. sanity: each key table exists and has rows
for table in "${tables[@]}"; do
  exists=$(psql --no-psqlrc --tuples-only --no-align --quiet --dbname="${scratch_db}" \
    --command="SELECT to_regclass('${table}') IS NOT NULL") \
    || die "$EXIT_SANITY" "cannot query the restored database for ${table}"
  [[ $exists == t ]] || die "$EXIT_SANITY" "table ${table} is missing from the restored dump"
  rows=$(psql --no-psqlrc --tuples-only --no-align --quiet --dbname="${scratch_db}" --command="SELECT count(*) FROM ${table}") \
    || die "$EXIT_SANITY" "cannot count the rows of ${table}"
  [[ $rows -gt 0 ]] || die "$EXIT_SANITY" "table ${table} is empty in the restored dump"
  echo "rows ${table} ${rows}"
done
log "OK ${key}: ${#tables[@]} key tables present with rows"
