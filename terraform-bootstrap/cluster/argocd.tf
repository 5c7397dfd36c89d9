# ArgoCD, then the one root Application (app-of-apps) rendered by `npm run synth`. From then on
# ArgoCD syncs everything else from git; Terraform does not manage Kubernetes objects.
locals {
  root_application = yamldecode(file("${path.module}/../argocd/bootstrap/application-flextime-root.yaml"))
  argocd_namespace = local.root_application.metadata.namespace
}

resource "helm_release" "argocd" {
  name             = "argocd"
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = "7.7.22"
  namespace        = local.argocd_namespace
  create_namespace = true
  wait             = true

  values = [yamlencode({
    crds = { keep = true } # uninstalling the release must not delete every Application
  })]

  depends_on = [aws_eks_node_group.main]
}

# The Application CRD only exists once the release above is installed, so the root Application
# goes in a second release (a CR in the same release would fail Helm's resource mapping).
# argocd-apps takes an Application as `applications.<name>` = its spec plus metadata fields.
resource "helm_release" "root_application" {
  name       = "flextime-root"
  repository = "https://argoproj.github.io/argo-helm"
  chart      = "argocd-apps"
  version    = "2.0.2"
  namespace  = local.argocd_namespace

  values = [yamlencode({
    applications = {
      (local.root_application.metadata.name) = merge(local.root_application.spec, {
        namespace             = local.argocd_namespace
        additionalLabels      = try(local.root_application.metadata.labels, {})
        additionalAnnotations = try(local.root_application.metadata.annotations, {})
        finalizers            = try(local.root_application.metadata.finalizers, [])
      })
    }
  })]

  depends_on = [helm_release.argocd]
}
