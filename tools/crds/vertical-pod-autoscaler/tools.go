//go:build tools

// Package tools pins the API packages whose CRDs scripts/install-tools generates.
package tools

import (
	_ "k8s.io/autoscaler/vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/v1"
)
