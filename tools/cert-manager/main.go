// cert-manager-controller: cert-manager's controllers for the e2e (e2e/controllers/cert-manager.ts),
// the ones the platform's objects need, started the way upstream's cmd/controller does for the
// chart's default arguments.
//
// Why a main of our own: upstream's cmd/controller is a separate module
// (github.com/cert-manager/cert-manager/controller-binary, `replace … => ../../`) that the Go
// module proxy does not serve, so it cannot be built from the proxy. Its Run wires the root
// module's public pieces — controller.NewContextFactory, the controllers each package registers
// in controller.Known(), the shared informer factories, leader election — and that is all this
// file does, with the defaults of internal/apis/config/controller/v1alpha1 for what the chart
// leaves unset.
//
// Only what the platform uses is linked (each left-out package is a cold-build cost: with ACME's
// DNS-01 providers, aws-sdk-go-v2, Azure, Cloudflare, … the build took 69 min on 2 cores): the
// Certificate controllers, the Issuer and ClusterIssuer controllers, and the CA and self-signed
// issuer types with their CertificateRequest controllers and the approver. The e2e serves the
// platform's ACME ClusterIssuers as CA issuers (nothing reaches Let's Encrypt). Left out, printed
// by the e2e as differences: ACME (Orders, Challenges, the ACME issuer), Vault and Venafi issuers,
// ingress-shim (the platform's Ingresses name their Secret; their Certificates are rendered, no
// cert-manager annotation), the certificates metrics controller and the metrics, healthz and
// pprof servers, the experimental CertificateSigningRequest and Gateway API controllers (off by
// default upstream too). patches/ says what is changed in the upstream module and why.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/cert-manager/cert-manager/pkg/controller"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"

	// Of cert-manager v1.21's DefaultEnabledControllers (internal/apis/config/controller/v1alpha1)
	// those the platform's Certificates and (Cluster)Issuers need: each package registers its
	// controller(s) in controller.Known() when imported.
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	// The issuer types the (Cluster)Issuer controllers set up (upstream's cmd/controller imports
	// them in start.go); without one: "issuer 'ca' not registered".
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to a kubeconfig")
	clusterResourceNamespace := flag.String("cluster-resource-namespace", "kube-system", "namespace of the Secrets ClusterIssuers read (the chart passes its own namespace)")
	leaderElect := flag.Bool("leader-elect", true, "run under a leader-election Lease, as the chart's replicas do")
	leaderElectionNamespace := flag.String("leader-election-namespace", "kube-system", "namespace of the leader-election Lease (the chart's default)")
	workers := flag.Int("concurrent-workers", 5, "workers per controller (upstream default)")
	logf.InitLogs()
	klog.InitFlags(nil) // -v, as upstream's logging flags (the chart passes --v=2)
	flag.Parse()
	defer logf.FlushLogs()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log, "controller")
	if err := run(ctx, *kubeconfig, *clusterResourceNamespace, *leaderElect, *leaderElectionNamespace, *workers); err != nil {
		logf.Log.Error(err, "cert-manager controller failed")
		logf.FlushLogs()
		os.Exit(1)
	}
}

func run(ctx context.Context, kubeconfig, clusterResourceNamespace string, leaderElect bool, leaseNamespace string, workers int) error {
	log := logf.FromContext(ctx)
	q := resource.MustParse
	factory, err := controller.NewContextFactory(ctx, controller.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		ACMEOptions: controller.ACMEOptions{
			HTTP01SolverImage:                 "quay.io/jetstack/cert-manager-acmesolver:v1.21.1",
			HTTP01SolverResourceRequestCPU:    q("10m"),
			HTTP01SolverResourceRequestMemory: q("64Mi"),
			HTTP01SolverResourceLimitsCPU:     q("100m"),
			HTTP01SolverResourceLimitsMemory:  q("64Mi"),
			ACMEHTTP01SolverRunAsNonRoot:      true,
			DNS01CheckRetryPeriod:             10 * time.Second,
			DNS01CheckAuthoritative:           true,
		},
		SchedulerOptions: controller.SchedulerOptions{MaxConcurrentChallenges: 60},
		IssuerOptions: controller.IssuerOptions{
			ClusterResourceNamespace:        clusterResourceNamespace,
			ClusterIssuerAmbientCredentials: true,
		},
		IngressShimOptions: controller.IngressShimOptions{
			DefaultIssuerKind:                 "Issuer",
			DefaultIssuerGroup:                "cert-manager.io",
			DefaultAutoCertificateAnnotations: []string{"kubernetes.io/tls-acme"},
		},
		CertificateOptions: controller.CertificateOptions{
			CopiedAnnotationPrefixes:                 []string{"*", "-kubectl.kubernetes.io/", "-fluxcd.io/", "-argocd.argoproj.io/"},
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
	})
	if err != nil {
		return err
	}
	base, err := factory.Build()
	if err != nil {
		return err
	}
	if leaderElect {
		if err := waitForLeadership(ctx, factory, leaseNamespace); err != nil {
			return err
		}
	}

	g, ctx := errgroup.WithContext(ctx)
	names := make([]string, 0, len(controller.Known()))
	for n := range controller.Known() {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		iface, err := controller.Known()[n](factory)
		if err != nil {
			return fmt.Errorf("controller %s: %w", n, err)
		}
		g.Go(func() error { return iface.Run(workers, ctx) })
	}
	log.Info("controllers started", "controllers", names)
	base.SharedInformerFactory.Start(ctx.Done())
	base.KubeSharedInformerFactory.Start(ctx.Done())
	base.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	err = g.Wait()
	base.HTTP01ResourceMetadataInformersFactory.Shutdown()
	base.KubeSharedInformerFactory.Shutdown()
	base.SharedInformerFactory.Shutdown()
	if ctx.Err() != nil && err == nil {
		return nil
	}
	return err
}

// waitForLeadership holds the Lease upstream's controller uses (cert-manager-controller); losing
// it later exits the process, as upstream does.
func waitForLeadership(ctx context.Context, factory *controller.ContextFactory, namespace string) error {
	c, err := factory.Build("leader-election")
	if err != nil {
		return err
	}
	id, err := os.Hostname()
	if err != nil {
		return err
	}
	elected := make(chan struct{})
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: namespace, Name: "cert-manager-controller"},
		Client:     c.Client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: fmt.Sprintf("%s-%d-external-cert-manager-controller", id, os.Getpid()), EventRecorder: c.Recorder},
	}
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   60 * time.Second,
		RenewDeadline:   40 * time.Second,
		RetryPeriod:     15 * time.Second,
		ReleaseOnCancel: true,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(context.Context) { close(elected) },
			OnStoppedLeading: func() {
				if ctx.Err() == nil {
					logf.Log.Info("leader election lost")
					logf.FlushLogs()
					os.Exit(1)
				}
			},
		},
	})
	if err != nil {
		return err
	}
	go le.Run(ctx)
	select {
	case <-elected:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
