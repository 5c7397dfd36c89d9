/**
 * Rego of the FlexTime Gatekeeper pod policies and lib.pods (written for this repo; idioms follow the
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
	not excepted(volume)
	msg := sprintf("%s: volume '%s' must not be a hostPath (%s)", [pods.subject, volume.name, volume.hostPath.path])
}

violation contains {"msg": msg} if {
	some volume in pods.spec.volumes
	volume.hostPath
	some exception in object.get(input.parameters, "hostPathExceptions", [])
	matches(exception, volume)
	exception.readOnly
	some entry in pods.containers
	some mount in object.get(entry.container, "volumeMounts", [])
	mount.name == volume.name
	not mount.readOnly
	msg := sprintf("%s: %s '%s' must mount hostPath volume '%s' (%s) readOnly", [pods.subject, entry.type, entry.container.name, volume.name, volume.hostPath.path])
}

# The one exception (parameter hostPathExceptions): this path, in this namespace, nothing else.
namespace := object.get(input.review.object.metadata, "namespace", object.get(input.review, "namespace", ""))

matches(exception, volume) if {
	exception.namespace == namespace
	exception.path == volume.hostPath.path
}

excepted(volume) if {
	some exception in object.get(input.parameters, "hostPathExceptions", [])
	matches(exception, volume)
}

violation contains {"msg": msg} if {
	some entry in pods.containers
	some port in entry.container.ports
	object.get(port, "hostPort", 0) != 0
	msg := sprintf("%s: %s '%s' must not bind hostPort %d", [pods.subject, entry.type, entry.container.name, port.hostPort])
}
`;
