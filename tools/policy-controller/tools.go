//go:build tools

// The other commands scripts/install-tools builds from this module (pinned by go.mod).
package main

import (
	_ "github.com/google/go-containerregistry/cmd/crane"
	_ "github.com/sigstore/cosign/v2/cmd/cosign"
	_ "github.com/sigstore/policy-controller/cmd/webhook"
)
