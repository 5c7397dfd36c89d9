//go:build tools

// Package tools pins the API packages whose CRDs scripts/install-tools generates.
package tools

import (
	_ "github.com/open-policy-agent/frameworks/constraint/pkg/apis/templates/v1"
	_ "github.com/open-policy-agent/frameworks/constraint/pkg/apis/templates/v1beta1"
	_ "github.com/open-policy-agent/frameworks/constraint/pkg/apis/templates/v1alpha1"
)
