//go:build tools

// Package tools pins the commands built from this module (see scripts/install-tools).
package tools

import (
	_ "sigs.k8s.io/descheduler/cmd/descheduler"
)
