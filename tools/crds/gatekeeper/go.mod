// Wrapper module: pins the gatekeeper API packages that controller-gen reads to generate CRDs
// (see scripts/install-tools). Not built into any binary.
module flextime.local/tools/crds/gatekeeper

go 1.26.0

require (
	github.com/open-policy-agent/frameworks/constraint v0.0.0-20260616163050-e1eaa1bf6d62
)
