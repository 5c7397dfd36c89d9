//go:build tools

// Package tools pins the commands built from this module (see scripts/install-tools).
package tools

import (
	_ "github.com/prometheus-community/postgres_exporter/cmd/postgres_exporter"
)
