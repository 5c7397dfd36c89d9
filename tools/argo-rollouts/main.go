// Command argo-analysis runs Argo Rollouts' own analysis code, at the version the platform's
// argo-rollouts chart deploys, on one metric of a rendered AnalysisTemplate (JSON on stdin:
// {"metric": <spec.metrics[i]>, "args": [{"name","value"}], "data": <Prometheus query result>}).
//
//	argo-analysis resolve   prints {"query"}: the metric with its args substituted the way the
//	                        controller does when it creates an AnalysisRun (ResolveQuotedArgs on the
//	                        metric's JSON)
//	argo-analysis measure   also serves "data" as the /api/v1/query answer of a stub Prometheus and
//	                        takes one measurement with the real Prometheus provider (HTTP client,
//	                        response decoding, successCondition/failureCondition in expr), printing
//	                        {"query","phase","value","message"}
//
// The stub stands in for Prometheus only; what the query returns is established separately with
// promtool (test/analysis-template.test.ts). Unknown fields in the metric are refused, so a field
// Argo Rollouts would not read fails here.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/argoproj/argo-rollouts/metricproviders/prometheus"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	templateutil "github.com/argoproj/argo-rollouts/utils/template"
	log "github.com/sirupsen/logrus"
)

type input struct {
	Metric v1alpha1.Metric     `json:"metric"`
	Args   []v1alpha1.Argument `json:"args"`
	Data   json.RawMessage     `json:"data"`
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "argo-analysis: "+format+"\n", a...)
	os.Exit(1)
}

// resolveMetric is utils/analysis.ResolveMetricArgs of the same release (that package also pulls
// in k8s.io/kubernetes, so its three steps are repeated here around the real ResolveQuotedArgs).
func resolveMetric(metric v1alpha1.Metric, args []v1alpha1.Argument) v1alpha1.Metric {
	raw, err := json.Marshal(metric)
	if err != nil {
		fail("marshal metric: %v", err)
	}
	resolved, err := templateutil.ResolveQuotedArgs(string(raw), args)
	if err != nil {
		fail("resolve args: %v", err)
	}
	var out v1alpha1.Metric
	if err := json.Unmarshal([]byte(resolved), &out); err != nil {
		fail("unmarshal resolved metric: %v", err)
	}
	return out
}

func main() {
	if len(os.Args) != 2 || (os.Args[1] != "resolve" && os.Args[1] != "measure") {
		fail("usage: argo-analysis resolve|measure < {\"metric\":…,\"args\":[…],\"data\":…}")
	}
	raw, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("read stdin: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var in input
	if err := dec.Decode(&in); err != nil {
		fail("input: %v", err)
	}
	metric := resolveMetric(in.Metric, in.Args)
	if metric.Provider.Prometheus == nil {
		fail("metric %q has no prometheus provider", metric.Name)
	}
	enc := json.NewEncoder(os.Stdout)
	if os.Args[1] == "resolve" {
		_ = enc.Encode(map[string]string{"query": metric.Provider.Prometheus.Query})
		return
	}
	if len(in.Data) == 0 {
		fail("measure needs \"data\" (the Prometheus API's data object)")
	}
	var asked string
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.URL.Path != "/api/v1/query" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		asked = r.Form.Get("query")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"success","data":%s}`, in.Data)
	}))
	defer stub.Close()
	metric.Provider.Prometheus.Address = stub.URL
	api, err := prometheus.NewPrometheusAPI(metric)
	if err != nil {
		fail("prometheus api: %v", err)
	}
	logger := log.New()
	logger.SetOutput(os.Stderr)
	provider, err := prometheus.NewPrometheusProvider(api, *log.NewEntry(logger), metric)
	if err != nil {
		fail("prometheus provider: %v", err)
	}
	m := provider.Run(&v1alpha1.AnalysisRun{}, metric)
	_ = enc.Encode(map[string]string{"query": asked, "phase": string(m.Phase), "value": m.Value, "message": m.Message})
}
