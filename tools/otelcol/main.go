// Command otelcol-flextime is the OpenTelemetry Collector built with exactly the components the
// platform's log collector uses (components.go), in the layout the collector builder (ocb)
// generates: main.go starts otelcol.NewCommand, components.go lists the factories. It gives the
// tests the real `otelcol validate` and the real pipeline (scripts/install-tools builds it).
package main

import (
	"log"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/otelcol"
)

func main() {
	info := component.BuildInfo{
		Command:     "otelcol-flextime",
		Description: "OpenTelemetry Collector with the FlexTime log pipeline's components",
		Version:     "0.139.0",
	}
	set := otelcol.CollectorSettings{
		BuildInfo: info,
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
			},
		},
	}
	if err := otelcol.NewCommand(set).Execute(); err != nil {
		log.Fatalf("collector server run finished with error: %v", err)
	}
}
