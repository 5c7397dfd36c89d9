/**
 * Rego of the FlexTime Gatekeeper policies on objects other than pods: labels, Service exposure,
 * Ingress TLS, RBAC wildcards, chaos containment. Same style as ./rego.ts (pod policies and the
 * shared lib.pods, whose `subject` names the reviewed object); each module is tested by
 * policies/gatekeeper/<policy>/suite.yaml.
 */

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
