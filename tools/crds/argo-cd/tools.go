//go:build tools

// Package tools pins the API packages whose CRDs scripts/install-tools generates.
package tools

import (
	_ "github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
)
