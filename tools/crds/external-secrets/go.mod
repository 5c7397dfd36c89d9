// Wrapper module: pins the external-secrets API packages that controller-gen reads to generate CRDs
// (see scripts/install-tools). Not built into any binary.
module flextime.local/tools/crds/external-secrets

go 1.24.1

require (
	github.com/external-secrets/external-secrets v0.14.4
)
replace github.com/Masterminds/sprig/v3 => github.com/external-secrets/sprig/v3 v3.3.0
