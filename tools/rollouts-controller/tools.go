//go:build tools

// Pins the Argo Rollouts controller command in this module's build list, so scripts/install-tools
// can `go build` it (a main package cannot be imported; the build tag keeps this file out of
// every build).
package main

import (
	_ "github.com/argoproj/argo-rollouts/cmd/rollouts-controller"
)
