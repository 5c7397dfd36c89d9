# ArgoCD, then the one root Application (app-of-apps) rendered by `npm run synth`, on the cluster
# ArgoCD runs in (config gitops.controlCluster) only: from there it deploys every environment to
# the cluster config puts it on. Terraform manages no other Kubernetes object.
locals {
  runs_argocd      = var.cluster == var.argocd_cluster
  root_application = yamldecode(file("${path.module}/../../argocd/bootstrap/application-flextime-root.yaml"))
  argocd_namespace = local.root_application.metadata.namespace

  # Since Argo CD 1.8 an Application has no health of its own; without this check a parent
  # Application counts a child as healthy as soon as it exists, so sync waves between child
  # Applications (add-ons before the components that need their CRDs) would not wait.
  # The check documented in the Argo CD 3.3 operator manual (operator-manual/health).
  application_health_lua = <<-LUA
    hs = {}
    hs.status = "Progressing"
    hs.message = ""
    if obj.status ~= nil then
      if obj.status.health ~= nil then
        hs.status = obj.status.health.status
        if obj.status.health.message ~= nil then
          hs.message = obj.status.health.message
        end
      end
    end
    return hs
  LUA

  # The notification service the Applications' `notifications.argoproj.io/subscribe.<trigger>.slack`
  # annotations need (config/gitops.ts notifications): the Slack service, its token from the Secret
  # `argocd-notifications-secret` (ExternalSecret in dist/cluster/alerting, key slack-token), and
  # the two triggers with their messages. test/gitops-notifications.test.ts matches them.
  notifications = {
    enabled   = true
    secret    = { create = false }
    notifiers = { "service.slack" = "token: $slack-token" }
    triggers = {
      "trigger.on-sync-failed" = yamlencode([{
        when = "app.status.operationState != nil and app.status.operationState.phase in ['Error', 'Failed']"
        send = ["app-sync-failed"]
      }])
      "trigger.on-health-degraded" = yamlencode([{
        when = "app.status.health.status == 'Degraded'"
        send = ["app-health-degraded"]
      }])
    }
    templates = {
      "template.app-sync-failed"     = yamlencode({ message = "Sync of {{.app.metadata.name}} failed at {{.app.status.operationState.finishedAt}}: {{.app.status.operationState.message}}" })
      "template.app-health-degraded" = yamlencode({ message = "{{.app.metadata.name}} is Degraded: {{.app.status.health.message}}" })
    }
  }
}

resource "helm_release" "argocd" {
  count            = local.runs_argocd ? 1 : 0
  name             = "argocd"
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = "9.5.11" # Argo CD v3.3.9: the minor whose CRDs `npm run verify` checks against
  namespace        = local.argocd_namespace
  create_namespace = true
  wait             = true

  values = [yamlencode({
    crds          = { keep = true } # uninstalling the release must not delete every Application
    notifications = local.notifications
    configs = {
      cm = {
        "resource.customizations.health.argoproj.io_Application" = local.application_health_lua
      }
    }
  })]

  depends_on = [aws_eks_node_group.main]
}

# The Application CRD only exists once the release above is installed, so the root Application
# goes in a second release (a CR in the same release would fail Helm's resource mapping).
# argocd-apps takes an Application as `applications.<name>` = its spec plus metadata fields.
resource "helm_release" "root_application" {
  count      = local.runs_argocd ? 1 : 0
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
