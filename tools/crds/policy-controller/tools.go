//go:build tools

// Package tools pins the API packages whose CRDs scripts/install-tools generates.
package tools

import (
	_ "github.com/sigstore/policy-controller/pkg/apis/policy/v1alpha1"
	_ "github.com/sigstore/policy-controller/pkg/apis/policy/v1beta1"
)
