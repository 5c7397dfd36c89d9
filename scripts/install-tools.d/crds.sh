# Sourced by scripts/install-tools: CRD schemas generated with controller-gen from each project's Go
# API packages (the CRDS table there), cached per machine as crds-<hash>/ and linked as .tools/crds.
# Uses install-tools' ROOT, CACHE, BIN, GOVERSION, TMPDIRS, log, die, hash_of, fmt_secs and tables.
# shellcheck shell=bash

# fix_crds PROJECT DIR: applies CRD_FIXUP[PROJECT] ("scope=Cluster", "storage=<version>") to the
# CRDs controller-gen wrote into DIR.
fix_crds() {
  local project=$1 dir=$2 f fix scope='' storage=''
  for fix in ${CRD_FIXUP[$project]:-}; do
    case "$fix" in scope=*) scope=${fix#scope=} ;; storage=*) storage=${fix#storage=} ;; *) die "CRD_FIXUP[$project]: unknown '$fix'" ;; esac
  done
  for f in "$dir"/*.yaml; do
    [[ -n "$scope" ]] && sed -i "s/^  scope: Namespaced\$/  scope: $scope/" "$f"
    # Only where no version is stored yet (a single-version CRD already is).
    if [[ -n "$storage" ]] && ! grep -q '^    storage: true$' "$f"; then
      awk -v want="$storage" '/^  - name: / { v = $3 } /^    storage: false$/ && v == want { sub(/false/, "true") } { print }' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
    fi
  done
}

install_crds() {
  local cg="$BIN/controller-gen"
  [[ -x "$cg" ]] || die "crds: controller-gen is not installed (run scripts/install-tools controller-gen)"
  local inputs=("$GOVERSION" "$(readlink -f "$cg")" "$CRDS" "$(declare -p CRD_TOLERATED_ERROR CRD_FIXUP)" "$(declare -f fix_crds)") project
  while read -r project _; do
    [[ -z "$project" || "$project" == \#* ]] && continue
    inputs+=("@$ROOT/tools/crds/$project/go.mod" "@$ROOT/tools/crds/$project/go.sum")
  done <<<"$CRDS"
  local dest; dest="$CACHE/crds-$(hash_of "${inputs[@]}")"
  if [[ -f "$dest/.done" ]]; then
    log "crds: cached ($(find "$dest" -name '*.yaml' | wc -l) CRDs)"
  else
    local start=$SECONDS tmp; tmp="$(mktemp -d "$CACHE/.crds.XXXXXX")"; TMPDIRS+=("$tmp")
    local module version opts pkgs
    while read -r project module version opts pkgs; do
      [[ -z "$project" || "$project" == \#* ]] && continue
      local dir="$ROOT/tools/crds/$project" t0=$SECONDS
      local pinned; pinned="$(cd "$dir" && go list -m -f '{{.Version}}' "$module")"
      [[ "$pinned" == "$version" ]] ||
        die "crds/$project: the table pins $version but tools/crds/$project/go.mod resolves $module to $pinned"
      local args=() p; for p in $pkgs; do args+=("paths=$p"); done
      mkdir -p "$tmp/$project"
      local out rc=0
      out="$(cd "$dir" && "$cg" "$opts" "${args[@]}" "output:crd:dir=$tmp/$project" 2>&1)" || rc=$?
      if (( rc != 0 )); then
        local tol="${CRD_TOLERATED_ERROR[$project]:-}"
        if [[ -n "$tol" ]] && ! grep -v -e "$tol" -e '^Error: not all generators ran successfully' -e '^run `controller-gen' <<<"$out" | grep -q .; then
          log "crds/$project: ignoring the known error (CRD_TOLERATED_ERROR): $tol"
        else
          printf '%s\n' "$out" >&2; die "crds/$project: controller-gen failed"
        fi
      fi
      fix_crds "$project" "$tmp/$project"
      log "crds/$project $version: $(find "$tmp/$project" -name '*.yaml' | wc -l) CRDs in $(fmt_secs $((SECONDS - t0)))"
    done <<<"$CRDS"
    touch "$tmp/.done"
    rm -rf "$dest"; mv "$tmp" "$dest"
    log "crds: generated in $(fmt_secs $((SECONDS - start)))"
  fi
  ln -sfn "$dest" "$ROOT/.tools/crds"
}
