# shellcheck shell=bash
# Shared by backup.sh and restore-verify.sh (sourced, not run). Shipped into the CronJobs in the
# same ConfigMap as the scripts (charts/database.ts), so the three files always travel together.
#
# Storage location: BACKUP_TARGET is `s3://<bucket>/<prefix>` in the cluster (SSE-KMS through the
# pod's IRSA role, no keys) or `file:///<dir>` in tests (test/database-scripts.test.ts) only.
# Object keys: <database>/YYYY/MM/DD/<database>-YYYYMMDDTHHMMSSZ.dump (+ .sha256 beside it), so
# the lexically greatest key is the newest dump.

# Exit codes shared by both scripts (documented in docs/database.md).
readonly EXIT_CONFIG=2

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${SCRIPT_NAME}" "$*" >&2; }

# die <exit code> <message>: logs "FAILED: <message>" and exits; the EXIT trap may log after it.
die() {
  local code=$1
  shift
  log "FAILED: $*"
  exit "$code"
}

require_env() {
  local name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || die "$EXIT_CONFIG" "environment variable ${name} is not set"
  done
}

# A database or table name the scripts interpolate into SQL and keys: plain identifiers only.
check_identifier() {
  [[ $2 =~ ^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$ ]] || die "$EXIT_CONFIG" "$1 '$2' is not a plain lower-case identifier"
}

check_target() {
  case "${BACKUP_TARGET}" in
    s3://?*) ;;
    file:///*) log "using the local target ${BACKUP_TARGET} (tests only; the CronJobs use s3://)" ;;
    *) die "$EXIT_CONFIG" "BACKUP_TARGET '${BACKUP_TARGET}' must be s3://<bucket>/<prefix> or file:///<dir>" ;;
  esac
}

# store <local file> <key>: upload (s3, SSE-KMS with the environment's key) or copy (file).
store() {
  local src=$1 key=$2
  case "${BACKUP_TARGET}" in
    s3://*)
      aws s3 cp --only-show-errors --sse aws:kms --sse-kms-key-id "${BACKUP_KMS_KEY_ID}" "$src" "${BACKUP_TARGET%/}/${key}"
      ;;
    file://*)
      local dir=${BACKUP_TARGET#file://}
      mkdir -p "$(dirname "${dir%/}/${key}")" && cp "$src" "${dir%/}/${key}"
      ;;
  esac
}

# fetch <key> <local file>
fetch() {
  local key=$1 dest=$2
  case "${BACKUP_TARGET}" in
    s3://*) aws s3 cp --only-show-errors "${BACKUP_TARGET%/}/${key}" "$dest" ;;
    file://*) cp "${BACKUP_TARGET#file://}/${key}" "$dest" ;;
  esac
}

# newest_dump <database>: key of the newest dump, empty when there is none.
newest_dump() {
  local db=$1
  case "${BACKUP_TARGET}" in
    s3://*)
      local bucket_and_prefix=${BACKUP_TARGET#s3://}
      local prefix=""
      [[ $bucket_and_prefix == */* ]] && prefix=${bucket_and_prefix#*/}
      prefix=${prefix%/}
      aws s3 ls --recursive "${BACKUP_TARGET%/}/${db}/" | awk '$4 ~ /\.dump$/ {print $4}' | sort | tail -n 1 |
        sed -e "s#^${prefix:+${prefix}/}##"
      ;;
    file://*)
      local dir=${BACKUP_TARGET#file://}
      dir=${dir%/}
      [[ -d "${dir}/${db}" ]] || return 0
      (cd "$dir" && find "${db}" -type f -name '*.dump' | sort | tail -n 1)
      ;;
  esac
}

# push_metrics <job> <exposition text>: Prometheus Pushgateway, grouped by job, namespace and
# database. A failed push is logged, not fatal: the data work is done, and the absent-metric and
# backup-age alerts notice a Pushgateway that stays unreachable.
push_metrics() {
  local job=$1 body=$2
  [[ -n "${PUSHGATEWAY_URL:-}" ]] || { log "PUSHGATEWAY_URL not set; metrics not pushed"; return 0; }
  local url="${PUSHGATEWAY_URL%/}/metrics/job/${job}"
  [[ -n "${METRICS_NAMESPACE:-}" ]] && url+="/namespace/${METRICS_NAMESPACE}"
  url+="/database/${DATABASE}"
  if printf '%s' "$body" | curl --silent --show-error --fail --max-time 10 --retry 3 --retry-connrefused \
      -X POST --data-binary @- "$url"; then
    log "pushed metrics to ${url}"
  else
    log "WARNING: could not push metrics to ${url}"
  fi
}
