#!/usr/bin/env bash
# Nightly logical backup of one PostgreSQL database (the flextime-backup CronJob, charts/database.ts).
#
#   pg_dump (custom format, compressed) -> check the archive is readable (pg_restore --list)
#   -> sha256 beside it -> upload both -> push flextime_backup_last_success_timestamp_seconds.
#
# Environment:
#   PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD   libpq connection (PGSSLMODE=verify-full and
#                                                PGSSLROOTCERT=<RDS CA bundle> in the cluster)
#   BACKUP_TARGET        s3://<bucket>/<prefix>  (file:///<dir> in tests only)
#   BACKUP_KMS_KEY_ID    KMS key ARN for SSE-KMS (required for s3://)
#   BACKUP_WORK_DIR      scratch directory for the dump (default: $TMPDIR or /tmp)
#   BACKUP_COMPRESSION   pg_dump --compress level 0-9 (default 6)
#   PUSHGATEWAY_URL      optional; METRICS_NAMESPACE adds a namespace label to the pushed group
#
# Exit codes: 0 stored; 2 configuration error; 3 pg_dump failed; 4 the dump is not a readable
# archive; 5 upload failed. The log line "FAILED: …" says which step failed and why.
set -euo pipefail

SCRIPT_NAME=backup
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readonly EXIT_DUMP=3 EXIT_UNREADABLE=4 EXIT_UPLOAD=5

require_env PGHOST PGDATABASE PGUSER BACKUP_TARGET
check_target
[[ ${BACKUP_TARGET} != s3://* ]] || require_env BACKUP_KMS_KEY_ID
DATABASE=${PGDATABASE:?}
check_identifier PGDATABASE "${DATABASE}"
compression=${BACKUP_COMPRESSION:-6}
[[ $compression =~ ^[0-9]$ ]] || die "$EXIT_CONFIG" "BACKUP_COMPRESSION '${compression}' must be 0-9"

work=$(mktemp -d "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}/backup.XXXXXX")
trap 'rm -rf "${work}"' EXIT

stamp=$(date -u +%Y%m%dT%H%M%SZ)
name="${DATABASE}-${stamp}.dump"
key="${DATABASE}/${stamp:0:4}/${stamp:4:2}/${stamp:6:2}/${name}"

log "dumping ${DATABASE} from ${PGHOST}:${PGPORT:-5432} as ${PGUSER}"
pg_dump --format=custom --compress="${compression}" --no-password --file="${work}/${name}" \
  || die "$EXIT_DUMP" "pg_dump of ${DATABASE} exited with $?"

entries=$(pg_restore --list "${work}/${name}" | grep -cv '^;') \
  || die "$EXIT_UNREADABLE" "pg_restore cannot read the table of contents of ${name}"
size=$(wc -c <"${work}/${name}")
log "dump ${name}: ${size} bytes, ${entries} archive entries"

(cd "${work}" && sha256sum "${name}" >"${name}.sha256")
log "sha256 $(cut -d' ' -f1 "${work}/${name}.sha256")"

# The dump first, then its checksum: a reader that finds the checksum finds a complete dump.
store "${work}/${name}" "${key}" || die "$EXIT_UPLOAD" "upload of ${key} to ${BACKUP_TARGET} failed"
store "${work}/${name}.sha256" "${key}.sha256" || die "$EXIT_UPLOAD" "upload of ${key}.sha256 to ${BACKUP_TARGET} failed"
log "stored ${BACKUP_TARGET%/}/${key}"

push_metrics flextime-backup "# TYPE flextime_backup_last_success_timestamp_seconds gauge
flextime_backup_last_success_timestamp_seconds $(date -u +%s)
"
log "OK ${key}"
