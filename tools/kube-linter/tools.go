//go:build tools

// Package tools pins the commands built from this module (see scripts/install-tools).
package tools

import (
	_ "golang.stackrox.io/kube-linter/cmd/kube-linter"
)
