//go:build tools

// Package tools pins the API packages whose CRDs scripts/install-tools generates: the kinds
// Gatekeeper's manager itself serves (Config, the status kinds, SyncSet, Connection, mutators,
// ExpansionTemplate, Provider) — the CRDs its chart installs besides ConstraintTemplate.
package tools

import (
	_ "github.com/open-policy-agent/frameworks/constraint/pkg/apis/externaldata/v1alpha1"
	_ "github.com/open-policy-agent/frameworks/constraint/pkg/apis/externaldata/v1beta1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/config/v1alpha1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/connection/v1alpha1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/expansion/v1alpha1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/expansion/v1beta1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/mutations/v1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/mutations/v1alpha1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/mutations/v1beta1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/status/v1alpha1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/status/v1beta1"
	_ "github.com/open-policy-agent/gatekeeper/v3/apis/syncset/v1alpha1"
)
