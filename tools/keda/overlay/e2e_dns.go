// Added to KEDA's cmd/operator and cmd/adapter main packages by scripts/install-tools
// (`go build -overlay`, see overlay_for there); this directory is not a package of its own.
//
// Why: in the e2e KEDA runs as a local process, but the ScaledObjects name Redis by its cluster
// DNS name (redis.flextime-staging.svc.cluster.local) or its ElastiCache endpoint. Go's resolver
// only reads /etc/resolv.conf and /etc/hosts, which a test must not change. When E2E_DNS
// (host:port) is set, every lookup goes to that DNS server instead (e2e/controllers/cluster-dns.ts:
// the mapped names → 127.0.0.x, REFUSED otherwise), as a pod's lookups go to CoreDNS. /etc/hosts
// is still read first, as in a pod. Unset, the binary behaves exactly as upstream's.
package main

import (
	"context"
	"net"
	"os"
	"time"
)

func init() {
	server := os.Getenv("E2E_DNS")
	if server == "" {
		return
	}
	dialer := net.Dialer{Timeout: 2 * time.Second}
	net.DefaultResolver = &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, server)
		},
	}
}
