// external-secrets: the External Secrets Operator's controllers for the e2e
// (e2e/controllers/external-secrets.ts), built from the pinned upstream module with only the
// providers the e2e serves.
//
// Why a main of our own: upstream's main (cmd/controller) starts the same controllers, but its
// controller packages import pkg/provider/register and pkg/generator/register, which import every
// provider and generator SDK. scripts/install-tools builds this file against a copy of the module
// whose two registries are replaced by patch/ (fake provider only, no generators). What is
// started follows upstream's cmd/controller/root.go for the chart's defaults, limited to the
// kinds the platform renders:
//   - SecretStore and ClusterSecretStore reconcilers (the platform renders ClusterSecretStores);
//   - the ExternalSecret reconciler, with the flood gate and the managed-Secrets cache on, as
//     upstream's defaults;
//
// and left out, because nothing renders those kinds and their CRDs are not installed in the e2e:
// ClusterExternalSecret, PushSecret, ClusterPushSecret and GeneratorState (upstream starts the
// GeneratorState reconciler unconditionally, which logs "no matches for kind GeneratorState"
// every 10 s without its CRD). Also left out: the webhook and cert-controller subcommands (the
// e2e registers no ESO webhook), metrics TLS and HTTP/2 options, the feature flags providers add.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	esv1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1"
	ctrlcommon "github.com/external-secrets/external-secrets/pkg/controllers/common"
	"github.com/external-secrets/external-secrets/pkg/controllers/externalsecret"
	"github.com/external-secrets/external-secrets/pkg/controllers/externalsecret/esmetrics"
	ctrlmetrics "github.com/external-secrets/external-secrets/pkg/controllers/metrics"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore/cssmetrics"
	"github.com/external-secrets/external-secrets/pkg/controllers/secretstore/ssmetrics"
)

// options are upstream's flags of the same names and defaults (those the e2e can set).
type options struct {
	metricsAddr, liveAddr, loglevel, controllerClass string
	leaderElect                                      bool
	leaderElectionNamespace                          string
	concurrent                                       int
	qps                                              float64
	burst                                            int
	storeRequeue                                     time.Duration
	floodGate                                        bool
}

func parseFlags() options {
	var o options
	flag.StringVar(&o.metricsAddr, "metrics-addr", ":8080", "address of the metrics endpoint")
	flag.StringVar(&o.liveAddr, "live-addr", ":8082", "address of the liveness endpoint (/healthz)")
	flag.StringVar(&o.loglevel, "loglevel", "info", "zap level: debug, info, warn, error")
	flag.StringVar(&o.controllerClass, "controller-class", "default", "reconcile only stores and ExternalSecrets of this controller class")
	flag.BoolVar(&o.leaderElect, "enable-leader-election", false, "run under the Lease external-secrets-controller")
	// Upstream has no such flag: in a pod controller-runtime reads the namespace from the service
	// account mount; a process outside the cluster has none, so the chart's namespace is given.
	flag.StringVar(&o.leaderElectionNamespace, "leader-election-namespace", "", "namespace of the leader-election Lease (in-cluster: the pod's)")
	flag.IntVar(&o.concurrent, "concurrent", 1, "concurrent reconciles per controller")
	flag.Float64Var(&o.qps, "client-qps", 50, "API client QPS")
	flag.IntVar(&o.burst, "client-burst", 100, "API client burst")
	flag.DurationVar(&o.storeRequeue, "store-requeue-interval", 5*time.Minute, "time between reconciles of a store")
	flag.BoolVar(&o.floodGate, "enable-flood-gate", true, "reconcile an ExternalSecret only while its store is ready or unknown")
	flag.Parse()
	return o
}

func main() {
	o := parseFlags()
	var level zapcore.Level
	if err := level.UnmarshalText([]byte(o.loglevel)); err != nil {
		fmt.Fprintf(os.Stderr, "--loglevel %q: %v\n", o.loglevel, err)
		os.Exit(2)
	}
	logger := zap.New(zap.UseFlagOptions(&zap.Options{Level: level, TimeEncoder: zapcore.EpochTimeEncoder}))
	ctrl.SetLogger(logger)
	klog.SetLogger(logger)
	if err := run(o); err != nil {
		ctrl.Log.WithName("setup").Error(err, "external-secrets controller failed")
		os.Exit(1)
	}
}

func run(o options) error {
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(scheme))
	utilruntime.Must(esv1.AddToScheme(scheme))

	ctrlmetrics.SetUpLabelNames(false)
	esmetrics.SetUpMetrics()
	ssmetrics.SetUpMetrics()
	cssmetrics.SetUpMetrics()

	config := ctrl.GetConfigOrDie() // KUBECONFIG, as upstream
	config.QPS, config.Burst = float32(o.qps), o.burst
	mgr, err := ctrl.NewManager(config, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress:  o.liveAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        "external-secrets-controller",
		LeaderElectionNamespace: o.leaderElectionNamespace,
		// Upstream's default (--enable-secrets-caching=false, --enable-configmaps-caching=false):
		// Secrets and ConfigMaps are read from the API server, only managed Secrets are cached.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}, &corev1.ConfigMap{}}}},
	})
	if err != nil {
		return fmt.Errorf("manager: %w", err)
	}
	secretClient, err := ctrlcommon.BuildManagedSecretClient(mgr, "")
	if err != nil {
		return fmt.Errorf("managed-secret client: %w", err)
	}
	opts := func() controller.Options {
		return controller.Options{MaxConcurrentReconciles: o.concurrent, RateLimiter: ctrlcommon.BuildRateLimiter()}
	}
	log := ctrl.Log.WithName("controllers")
	if err := (&secretstore.StoreReconciler{
		Client: mgr.GetClient(), Log: log.WithName("SecretStore"), Scheme: scheme,
		ControllerClass: o.controllerClass, RequeueInterval: o.storeRequeue,
	}).SetupWithManager(mgr, opts()); err != nil {
		return fmt.Errorf("SecretStore controller: %w", err)
	}
	if err := (&secretstore.ClusterStoreReconciler{
		Client: mgr.GetClient(), Log: log.WithName("ClusterSecretStore"), Scheme: scheme,
		ControllerClass: o.controllerClass, RequeueInterval: o.storeRequeue,
	}).SetupWithManager(mgr, opts()); err != nil {
		return fmt.Errorf("ClusterSecretStore controller: %w", err)
	}
	if err := (&externalsecret.Reconciler{
		Client: mgr.GetClient(), SecretClient: secretClient, Log: log.WithName("ExternalSecret"),
		Scheme: scheme, RestConfig: mgr.GetConfig(), ControllerClass: o.controllerClass,
		RequeueInterval: time.Hour, ClusterSecretStoreEnabled: true, EnableFloodGate: o.floodGate,
	}).SetupWithManager(mgr, opts()); err != nil {
		return fmt.Errorf("ExternalSecret controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("starting manager", "controllers", []string{"SecretStore", "ClusterSecretStore", "ExternalSecret"}, "providers", "fake")
	return mgr.Start(ctrl.SetupSignalHandler())
}
