# Sourced by scripts/install-tools (needs $ROOT, git and go on PATH).
#
# Changes a wrapper makes to the pinned upstream module before building it: unified diffs in
# tools/<wrapper>/patches/*.diff, each saying why at its top (today: External Secrets' provider
# and generator registries, cert-manager's one import of the API server's storage stack — both
# cut cold builds from over an hour to minutes). `go build -overlay` refuses to replace files
# beneath the module cache, and a directory `replace` in the committed go.mod would need the
# upstream source in this repository. So the module (from the module cache, checked against the
# wrapper's go.sum by `go mod download`) is copied to a temporary directory, the diffs are applied
# there (`git apply`: a patch that no longer applies fails the build), and the build uses a
# temporary copy of the wrapper's go.mod/go.sum with one more line, `replace MODULE => <copy>`
# (go build -modfile).
# patched_modfile HOW MODULE TMP: prints the go.mod to build with; prints nothing without patches/.
patched_modfile() {
  local how=$1 module=$2 tmp=$3 diffs=("$ROOT/$1"/patches/*.diff)
  [[ -e "${diffs[0]}" ]] || return 0
  local src; src="$(cd "$ROOT/$how" && go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$src" ]] || { echo "install-tools: $module not in the module cache" >&2; return 1; }
  mkdir -p "$tmp/module"
  cp -R "$src/." "$tmp/module" && chmod -R u+w "$tmp/module"
  # Its own repository, so git apply resolves the diff's paths from the module root even if $tmp
  # lies inside another checkout.
  git -C "$tmp/module" init -q
  local d; for d in "${diffs[@]}"; do
    git -C "$tmp/module" apply "$d" || { echo "install-tools: ${d#"$ROOT"/} does not apply to $module" >&2; return 1; }
  done
  cp "$ROOT/$how/go.mod" "$tmp/go.mod" && cp "$ROOT/$how/go.sum" "$tmp/go.sum"
  printf '\nreplace %s => %s\n' "$module" "$tmp/module" >> "$tmp/go.mod"
  printf '%s' "$tmp/go.mod"
}
