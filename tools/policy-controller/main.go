// Command image-policy-check asks Sigstore policy-controller's own policy code whether it would
// admit a Kubernetes object: every container image of the object's pod spec is verified against
// the given ClusterImagePolicies with the object's kind and labels, as the admission webhook does.
// It is cmd/tester of the same release (pkg/policy Compile + Verify, which call the webhook's
// ValidatePolicy) with three differences: several policy files at once (the webhook evaluates
// every policy an image matches), the images are read from the object, and warnings (policies in
// `mode: warn`) are printed instead of dropped.
//
//	image-policy-check --policy A.yaml [--policy B.yaml ...] --no-match-policy deny --resource OBJ.yaml
//
// Prints {"images":[{"image","errors","warnings"}]} and exits 1 when any image has an error.
// Registry access honours HTTPS_PROXY and SSL_CERT_FILE (Go's defaults).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"knative.dev/pkg/logging"
	"sigs.k8s.io/yaml"

	"github.com/sigstore/policy-controller/pkg/policy"
	"github.com/sigstore/policy-controller/pkg/webhook"
)

type policyFiles []string

func (p *policyFiles) String() string     { return strings.Join(*p, ",") }
func (p *policyFiles) Set(v string) error { *p = append(*p, v); return nil }

type result struct {
	Image    string   `json:"image"`
	Errors   []string `json:"errors"`
	Warnings []string `json:"warnings"`
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "image-policy-check: "+format+"\n", a...)
	os.Exit(2)
}

// podSpecOf finds the pod spec where the webhook reads it for each kind it checks.
func podSpecOf(obj *unstructured.Unstructured) map[string]any {
	paths := map[string][]string{
		"Pod":         {"spec"},
		"Deployment":  {"spec", "template", "spec"},
		"ReplicaSet":  {"spec", "template", "spec"},
		"StatefulSet": {"spec", "template", "spec"},
		"DaemonSet":   {"spec", "template", "spec"},
		"Job":         {"spec", "template", "spec"},
		"CronJob":     {"spec", "jobTemplate", "spec", "template", "spec"},
	}
	path, ok := paths[obj.GetKind()]
	if !ok {
		fail("kind %s is not one the webhook checks", obj.GetKind())
	}
	spec, found, err := unstructured.NestedMap(obj.Object, path...)
	if err != nil || !found {
		fail("%s has no %s", obj.GetKind(), strings.Join(path, "."))
	}
	return spec
}

func main() {
	var policies policyFiles
	flag.Var(&policies, "policy", "ClusterImagePolicy YAML file (repeatable)")
	noMatch := flag.String("no-match-policy", "", "what to do with an image no policy covers: deny, warn or allow (config-policy-controller)")
	resource := flag.String("resource", "", "the Kubernetes object to admit (YAML)")
	flag.Parse()
	if len(policies) == 0 || *resource == "" || *noMatch == "" {
		flag.Usage()
		os.Exit(2)
	}

	logger, err := zap.NewProductionConfig().Build(zap.IncreaseLevel(zap.ErrorLevel))
	if err != nil {
		fail("logger: %v", err)
	}
	ctx := logging.WithLogger(context.Background(), logger.Sugar())

	docs := make([]string, 0, len(policies))
	for _, p := range policies {
		raw, err := os.ReadFile(p)
		if err != nil {
			fail("%v", err)
		}
		docs = append(docs, strings.TrimSpace(string(raw)))
	}
	sources := []policy.Source{{Data: strings.Join(docs, "\n---\n")}}

	raw, err := os.ReadFile(*resource)
	if err != nil {
		fail("%v", err)
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(raw, &obj.Object); err != nil {
		fail("resource: %v", err)
	}
	metadata, _, _ := unstructured.NestedMap(obj.Object, "metadata")
	spec, _, _ := unstructured.NestedMap(obj.Object, "spec")
	ctx = webhook.IncludeObjectMeta(ctx, metadata)
	ctx = webhook.IncludeTypeMeta(ctx, map[string]any{"kind": obj.GetKind(), "apiVersion": obj.GetAPIVersion()})
	ctx = webhook.IncludeSpec(ctx, spec)

	var images []string
	podSpec := podSpecOf(obj)
	for _, field := range []string{"initContainers", "containers"} {
		containers, _, _ := unstructured.NestedSlice(podSpec, field)
		for _, c := range containers {
			if image, ok := c.(map[string]any)["image"].(string); ok {
				images = append(images, image)
			}
		}
	}

	results := make([]result, 0, len(images))
	failed := false
	for _, image := range images {
		r := result{Image: image, Errors: []string{}, Warnings: []string{}}
		verifier, err := policy.Compile(ctx, policy.Verification{NoMatchPolicy: *noMatch, Policies: &sources}, func(format string, a ...any) {
			r.Warnings = append(r.Warnings, strings.TrimSpace(fmt.Sprintf(format, a...)))
		})
		if err != nil {
			fail("policies: %v", err)
		}
		ref, err := name.ParseReference(image)
		if err != nil {
			r.Errors = append(r.Errors, err.Error())
		} else if err := verifier.Verify(ctx, ref, authn.DefaultKeychain); err != nil {
			r.Errors = append(r.Errors, strings.TrimSpace(err.Error()))
		}
		failed = failed || len(r.Errors) > 0
		results = append(results, r)
	}
	out, _ := json.Marshal(map[string]any{"images": results})
	fmt.Println(string(out))
	if failed {
		os.Exit(1)
	}
}
