//go:build tools

// Package tools pins the commands built from this module (see scripts/install-tools).
package tools

import (
	_ "k8s.io/kube-state-metrics/v2"
)
