//go:build tools

// Package tools pins the ArgoCD command that scripts/install-tools builds.
package tools

import _ "github.com/argoproj/argo-cd/v2/cmd"
