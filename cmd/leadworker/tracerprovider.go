package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// defaultServiceName is service.name unless OTEL_SERVICE_NAME (or
// OTEL_RESOURCE_ATTRIBUTES) says otherwise.
const defaultServiceName = "leadworker"

// tracerProvider builds the TracerProvider of `leadworker run` from the
// standard OpenTelemetry variables, through autoexport (OTEL_TRACES_EXPORTER,
// OTEL_EXPORTER_OTLP_*); the SDK reads OTEL_TRACES_SAMPLER and OTEL_BSP_*
// itself. It returns nil, and nothing is exported, when OTEL_SDK_DISABLED is
// true, when OTEL_TRACES_EXPORTER is none, or when neither
// OTEL_TRACES_EXPORTER nor an OTLP endpoint is set: a worker without a
// collector does not try to reach one. The worker still passes incoming
// trace context on without a provider. The returned provider must be shut
// down, which flushes its spans.
func tracerProvider(ctx context.Context, lookup func(string) (string, bool)) (*sdktrace.TracerProvider, error) {
	get := func(name string) string {
		v, _ := lookup(name)
		return strings.TrimSpace(v)
	}
	if v := get("OTEL_SDK_DISABLED"); v != "" {
		disabled, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("OTEL_SDK_DISABLED=%q: want true or false", v)
		}
		if disabled {
			return nil, nil
		}
	}
	if get("OTEL_TRACES_EXPORTER") == "" && get("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return nil, nil
	}
	exp, err := autoexport.NewSpanExporter(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_*: %w", err)
	}
	if autoexport.IsNoneSpanExporter(exp) {
		return nil, nil
	}
	// Later sources win: the default name, then OTEL_RESOURCE_ATTRIBUTES
	// and OTEL_SERVICE_NAME.
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(defaultServiceName)),
		resource.WithFromEnv(),
	)
	if err != nil {
		_ = exp.Shutdown(ctx)
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}
