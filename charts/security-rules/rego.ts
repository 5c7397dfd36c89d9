/**
 * Rego of the FlexTime Gatekeeper policies (written for this repo; idioms follow the
 * gatekeeper-library). Each module is tested by policies/gatekeeper/<policy>/suite.yaml.
 *
 * Style: `import future.keywords` + `contains`/`if`, so the modules parse the same under Rego
 * v0 (how Gatekeeper reads `rego:`) and v1. Messages name the object, the container and the
 * field to change.
 */

/**
 * lib.pods: the Pod spec and containers of whatever object is reviewed — a Pod, a controller
 * with a Pod template, a CronJob or a KEDA ScaledJob — so a bad Deployment is refused when it is
 * applied, not later when its ReplicaSet fails to create Pods.
 */
export const PODS_LIB = String.raw`package lib.pods

import future.keywords

# Kinds whose spec.template is a Pod template.
templated_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "Rollout"}

reviewed := input.review.object

template := reviewed.spec.template if templated_kinds[reviewed.kind]

template := reviewed.spec.jobTemplate.spec.template if reviewed.kind == "CronJob"

template := reviewed.spec.jobTargetRef.template if reviewed.kind == "ScaledJob"

# The Pod spec of the reviewed object; undefined for objects that carry no Pod.
spec := reviewed.spec if reviewed.kind == "Pod"

spec := template.spec if template

# Every container with its type, for messages: container, initContainer, ephemeralContainer.
containers contains {"type": "container", "container": c} if {
	some c in spec.containers
}

containers contains {"type": "initContainer", "container": c} if {
	some c in spec.initContainers
}

containers contains {"type": "ephemeralContainer", "container": c} if {
	some c in spec.ephemeralContainers
}

# Pods that run to completion (Jobs) have no liveness/readiness to report.
run_to_completion if reviewed.kind in {"Job", "CronJob", "ScaledJob"}

run_to_completion if {
	reviewed.kind == "Pod"
	some owner in reviewed.metadata.ownerReferences
	owner.kind == "Job"
}

# "<Kind> '<name>'" for messages.
subject := sprintf("%s '%s'", [reviewed.kind, name]) if {
	name := reviewed.metadata.name
} else := sprintf("%s '%s*'", [reviewed.kind, reviewed.metadata.generateName])
`;

export const CONTAINER_SECURITY = String.raw`package flextimecontainersecurity

import data.lib.pods
import future.keywords

violation contains {"msg": msg} if {
	some entry in pods.containers
	not effective(entry.container, "runAsNonRoot")
	msg := sprintf("%s: %s '%s' must set securityContext.runAsNonRoot: true (on the container or the pod)", [pods.subject, entry.type, entry.container.name])
}

violation contains {"msg": msg} if {
	some entry in pods.containers
	effective(entry.container, "runAsUser") == 0
	msg := sprintf("%s: %s '%s' must not run as UID 0 (runAsUser)", [pods.subject, entry.type, entry.container.name])
}

violation contains {"msg": msg} if {
	some entry in pods.containers
	not drops_all(entry.container)
	msg := sprintf("%s: %s '%s' must drop all capabilities (securityContext.capabilities.drop: [ALL])", [pods.subject, entry.type, entry.container.name])
}

violation contains {"msg": msg} if {
	some entry in pods.containers
	added := object.get(entry.container, ["securityContext", "capabilities", "add"], [])
	count(added) > 0
	msg := sprintf("%s: %s '%s' must not add capabilities (adds %v)", [pods.subject, entry.type, entry.container.name, added])
}

violation contains {"msg": msg} if {
	some entry in pods.containers
	object.get(entry.container, ["securityContext", "allowPrivilegeEscalation"], true) != false
	msg := sprintf("%s: %s '%s' must set securityContext.allowPrivilegeEscalation: false", [pods.subject, entry.type, entry.container.name])
}

violation contains {"msg": msg} if {
	some entry in pods.containers
	object.get(entry.container, ["securityContext", "privileged"], false) == true
	msg := sprintf("%s: %s '%s' must not be privileged", [pods.subject, entry.type, entry.container.name])
}

violation contains {"msg": msg} if {
	some entry in pods.containers
	not seccomp_confined(entry.container)
	msg := sprintf("%s: %s '%s' must use seccompProfile.type RuntimeDefault or Localhost (on the container or the pod)", [pods.subject, entry.type, entry.container.name])
}

# A securityContext field of the container, else the pod's (the container wins, as in Kubernetes).
effective(c, field) := value if {
	value := c.securityContext[field]
} else := value if {
	value := pods.spec.securityContext[field]
}

drops_all(c) if {
	some capability in c.securityContext.capabilities.drop
	upper(capability) == "ALL"
}

seccomp_confined(c) if effective(c, "seccompProfile").type in {"RuntimeDefault", "Localhost"}
`;

export const ALLOWED_IMAGES = String.raw`package flextimeallowedimages

import data.lib.pods
import future.keywords

violation contains {"msg": msg} if {
	some entry in pods.containers
	not allowed_registry(entry.container.image)
	msg := sprintf("%s: %s '%s' image '%s' is not from an allowed registry (%s)", [pods.subject, entry.type, entry.container.name, entry.container.image, concat(", ", input.parameters.registries)])
}

violation contains {"msg": msg} if {
	some entry in pods.containers
	floating(entry.container.image)
	msg := sprintf("%s: %s '%s' image '%s' must name a tag or digest other than 'latest'", [pods.subject, entry.type, entry.container.name, entry.container.image])
}

allowed_registry(image) if {
	some prefix in input.parameters.registries
	startswith(image, prefix)
}

floating(image) if regex.match(":latest(@|$)", image)

floating(image) if {
	not contains(image, "@")
	# The last path segment carries the tag; a ":" before it is a registry port.
	segments := split(image, "/")
	not contains(segments[count(segments) - 1], ":")
}
`;

export const IMAGE_DIGEST = String.raw`package flextimeimagedigest

import data.lib.pods
import future.keywords

violation contains {"msg": msg} if {
	some entry in pods.containers
	not regex.match("@sha256:[a-f0-9]{64}$", entry.container.image)
	msg := sprintf("%s: %s '%s' image '%s' must be pinned by digest (repo@sha256:...)", [pods.subject, entry.type, entry.container.name, entry.container.image])
}
`;

export const CONTAINER_RESOURCES = String.raw`package flextimecontainerresources

import data.lib.pods
import future.keywords

violation contains {"msg": msg} if {
	some entry in pods.containers
	entry.type != "ephemeralContainer" # Kubernetes does not allow resources on these
	some section in ["requests", "limits"]
	some resource in ["cpu", "memory"]
	object.get(entry.container, ["resources", section, resource], "") == ""
	msg := sprintf("%s: %s '%s' must set resources.%s.%s", [pods.subject, entry.type, entry.container.name, section, resource])
}
`;

export const CONTAINER_PROBES = String.raw`package flextimecontainerprobes

import data.lib.pods
import future.keywords

violation contains {"msg": msg} if {
	not pods.run_to_completion
	some entry in pods.containers
	entry.type == "container"
	some probe in ["livenessProbe", "readinessProbe"]
	not entry.container[probe]
	msg := sprintf("%s: container '%s' must define a %s", [pods.subject, entry.container.name, probe])
}
`;

export const REQUIRED_LABELS = String.raw`package flextimerequiredlabels

import data.lib.pods
import future.keywords

violation contains {"msg": msg} if {
	some key in input.parameters.labels
	object.get(input.review.object, ["metadata", "labels", key], "") == ""
	msg := sprintf("%s must carry the label '%s'", [pods.subject, key])
}

# Pods inherit their template's labels: check them where the template is written.
violation contains {"msg": msg} if {
	template := pods.template
	some key in input.parameters.labels
	object.get(template, ["metadata", "labels", key], "") == ""
	msg := sprintf("%s: the pod template must carry the label '%s'", [pods.subject, key])
}

# A CronJob's Jobs take their labels from jobTemplate.metadata.
violation contains {"msg": msg} if {
	input.review.object.kind == "CronJob"
	some key in input.parameters.labels
	object.get(input.review.object, ["spec", "jobTemplate", "metadata", "labels", key], "") == ""
	msg := sprintf("%s: spec.jobTemplate must carry the label '%s'", [pods.subject, key])
}
`;

export const SERVICE_EXPOSURE = String.raw`package flextimeserviceexposure

import data.lib.pods
import future.keywords

violation contains {"msg": msg} if {
	input.review.object.kind == "Service"
	type := input.review.object.spec.type
	type in {"NodePort", "LoadBalancer"}
	not input.review.namespace in input.parameters.allowedNamespaces
	msg := sprintf("%s: type %s is only allowed in %s; expose it through the ingress controller", [pods.subject, type, concat(", ", input.parameters.allowedNamespaces)])
}
`;

export const HOST_ISOLATION = String.raw`package flextimehostisolation

import data.lib.pods
import future.keywords

violation contains {"msg": msg} if {
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	pods.spec[field] == true
	msg := sprintf("%s must not set %s: true", [pods.subject, field])
}

violation contains {"msg": msg} if {
	some volume in pods.spec.volumes
	volume.hostPath
	msg := sprintf("%s: volume '%s' must not be a hostPath (%s)", [pods.subject, volume.name, volume.hostPath.path])
}

violation contains {"msg": msg} if {
	some entry in pods.containers
	some port in entry.container.ports
	object.get(port, "hostPort", 0) != 0
	msg := sprintf("%s: %s '%s' must not bind hostPort %d", [pods.subject, entry.type, entry.container.name, port.hostPort])
}
`;

export const INGRESS_TLS = String.raw`package flextimeingresstls

import data.lib.pods
import future.keywords

ingress := input.review.object

violation contains {"msg": msg} if {
	count(object.get(ingress, ["spec", "tls"], [])) == 0
	msg := sprintf("%s must terminate TLS: spec.tls is empty", [pods.subject])
}

violation contains {"msg": msg} if {
	count(object.get(ingress, ["spec", "tls"], [])) > 0
	some rule in ingress.spec.rules
	rule.host
	not covered(rule.host)
	msg := sprintf("%s: host '%s' is served without TLS; list it in spec.tls[].hosts", [pods.subject, rule.host])
}

violation contains {"msg": msg} if {
	some i, tls in ingress.spec.tls
	object.get(tls, "secretName", "") == ""
	msg := sprintf("%s: spec.tls[%d] names no secretName", [pods.subject, i])
}

covered(host) if {
	some tls in ingress.spec.tls
	host in tls.hosts
}
`;

export const RBAC_WILDCARDS = String.raw`package flextimerbacwildcards

import data.lib.pods
import future.keywords

violation contains {"msg": msg} if {
	some i, rule in input.review.object.rules
	some field in ["apiGroups", "resources", "verbs", "nonResourceURLs"]
	some value in rule[field]
	contains(value, "*")
	msg := sprintf("%s: rules[%d].%s uses the wildcard '%s'; list what is needed explicitly", [pods.subject, i, field, value])
}
`;

export const CHAOS_CONTAINMENT = String.raw`package flextimechaoscontainment

import data.lib.pods
import future.keywords

# A chaos object (Schedule, PodChaos, NetworkChaos, ...) created in a protected namespace.
violation contains {"msg": msg} if {
	input.review.namespace in input.parameters.protectedNamespaces
	msg := sprintf("%s: chaos experiments are not allowed in %s; only environments with chaos in config run them", [pods.subject, input.review.namespace])
}

# ...or aimed from elsewhere at pods of a protected namespace (selector.namespaces, selector.pods keys).
violation contains {"msg": msg} if {
	walk(input.review.object.spec, [path, value])
	count(path) >= 2
	path[count(path) - 2] == "selector"
	targets := selected_namespaces(path[count(path) - 1], value)
	some ns in targets
	ns in input.parameters.protectedNamespaces
	msg := sprintf("%s: must not select pods in %s (spec.%s)", [pods.subject, ns, concat(".", [sprintf("%v", [p]) | some p in path])])
}

selected_namespaces(field, value) := {ns | some ns in value} if field == "namespaces"

selected_namespaces(field, value) := {ns | some ns, _ in value} if field == "pods"
`;
