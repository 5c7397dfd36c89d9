# Sourced by scripts/install-tools (needs $ROOT and go on PATH).
#
# Files a wrapper adds to the commands it builds (today only KEDA's opt-in e2e resolver,
# tools/keda/overlay/e2e_dns.go). `go build -overlay` may not add files beneath the module cache,
# so each BIN=PKG is built as a package that exists only in the overlay, $how/overlay-build/BIN:
# PKG's own Go files, unchanged (backed by the module cache), plus every tools/<wrapper>/overlay/*.go.
# Writes the overlay JSON to $2/.overlay.json and prints its path; prints nothing without overlay/.
overlay_for() {
  local how=$1 tmp=$2; shift 2
  local extra=("$ROOT/$how"/overlay/*.go)
  [[ -e "${extra[0]}" ]] || return 0
  local json="$tmp/.overlay.json" sep='' spec dir f vdir
  printf '{"Replace":{' > "$json"
  for spec in "$@"; do
    vdir="$ROOT/$how/overlay-build/${spec%%=*}"
    dir="$(cd "$ROOT/$how" && go list -f '{{.Dir}}' "${spec#*=}")"
    for f in $(cd "$ROOT/$how" && go list -f '{{join .GoFiles " "}}' "${spec#*=}"); do
      printf '%s"%s":"%s"' "$sep" "$vdir/$f" "$dir/$f" >> "$json"; sep=,
    done
    for f in "${extra[@]}"; do printf ',"%s":"%s"' "$vdir/$(basename "$f")" "$f" >> "$json"; done
  done
  printf '}}\n' >> "$json"
  printf '%s' "$json"
}
