//go:build tools

// Package tools pins the commands built from this module (see scripts/install-tools).
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
)
