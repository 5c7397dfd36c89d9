# Sourced by scripts/install-tools.
# Linker flags that stamp versions the way the upstream builds do.
ldflags_for() {
  local name=$1 version=$2 flags="-s -w"
  case "$name" in
    kubernetes)
      local minor=${version#v1.}; minor=${minor%%.*}
      for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        flags+=" -X $p.gitVersion=$version -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
      done ;;
    kube-linter) flags+=" -X golang.stackrox.io/kube-linter/internal/version.version=${version#v}" ;;
    kubeconform) flags+=" -X main.version=$version" ;;
    gator|gatekeeper) flags+=" -X github.com/open-policy-agent/gatekeeper/v3/pkg/version.Version=$version" ;;
    cert-manager) flags+=" -X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$version" ;;
    argo-cd) flags+=" -X github.com/argoproj/argo-cd/v2/common.version=${version#v} -X github.com/argoproj/argo-cd/v2/common.gitTreeState=clean" ;;
    helm) # as helm's Makefile: the default Kubernetes version is its client-go's (v0.36 in v3.21.x), not 1.20
      flags+=" -X helm.sh/helm/v3/internal/version.version=$version -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
      local p; for p in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do flags+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=36"; done ;;
    keda) flags+=" -X github.com/kedacore/keda/v2/version.Version=${version#v}" ;;
    policy-controller-webhook) # as policy-controller's Makefile: the version it logs at start
      flags+=" -X sigs.k8s.io/release-utils/version.gitVersion=$version -X sigs.k8s.io/release-utils/version.gitTreeState=clean" ;;
    postgres-exporter) # as its Makefile (promu): the version its /metrics reports in postgres_exporter_build_info
      flags+=" -X github.com/prometheus/common/version.Version=${version#v}" ;;
    rollouts-controller) # as argo-rollouts' Makefile (the version the controller logs and reports)
      flags+=" -X github.com/argoproj/argo-rollouts/utils/version.version=${version#v} -X github.com/argoproj/argo-rollouts/utils/version.gitTreeState=clean" ;;
    promtool|prometheus) # module v0.3NN.P is Prometheus 3.NN.P
      local v=${version#v0.}; flags+=" -X github.com/prometheus/common/version.Version=${v:0:1}.$((10#${v:1:2})).${v#*.}" ;;
  esac
  printf '%s' "$flags"
}
