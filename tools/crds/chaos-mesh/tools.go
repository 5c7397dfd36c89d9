//go:build tools

// Package tools pins the API packages whose CRDs scripts/install-tools generates.
package tools

import (
	_ "github.com/chaos-mesh/chaos-mesh/api/v1alpha1"
)
