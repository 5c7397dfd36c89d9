//go:build tools

// Package tools pins the commands built from this module (see scripts/install-tools).
package tools

import (
	_ "golang.stackrox.io/kube-linter/cmd/kube-linter"
	_ "k8s.io/kube-state-metrics/v2"
	_ "sigs.k8s.io/descheduler/cmd/descheduler"
)
