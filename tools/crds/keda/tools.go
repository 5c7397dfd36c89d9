//go:build tools

// Package tools pins the API packages whose CRDs scripts/install-tools generates.
package tools

import (
	_ "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
)
