//go:build tools

// Package tools pins the API packages whose CRDs scripts/install-tools generates.
package tools

import (
	_ "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
)
