package main

import (
	"context"
	"os"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// serviceName starts and ends a span with tp and returns its service.name.
func serviceName(t *testing.T, tp *sdktrace.TracerProvider) string {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp.RegisterSpanProcessor(rec)
	_, span := tp.Tracer("test").Start(context.Background(), "s")
	span.End()
	for _, a := range rec.Ended()[0].Resource().Attributes() {
		if a.Key == "service.name" {
			return a.Value.AsString()
		}
	}
	return ""
}

// The OTEL_* variables are read by the SDK and autoexport from the process
// environment, so these cases set it (and cannot run in parallel).
func TestTracerProvider(t *testing.T) {
	otel := []string{"OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"}
	tests := []struct {
		name    string
		env     map[string]string
		on      bool
		service string
		wantErr bool
	}{
		{name: "nothing set: off", env: nil},
		{name: "endpoint: on", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}, on: true, service: "leadworker"},
		{name: "traces endpoint: on", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:1/v1/traces"}, on: true, service: "leadworker"},
		{name: "exporter otlp without endpoint: on", env: map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, on: true, service: "leadworker"},
		{name: "service name", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SERVICE_NAME": "leads-eu"}, on: true, service: "leads-eu"},
		{name: "exporter none: off", env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}},
		{name: "sdk disabled: off", env: map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}},
		{name: "sdk disabled unparsable", env: map[string]string{"OTEL_SDK_DISABLED": "maybe"}, wantErr: true},
		{name: "unknown exporter", env: map[string]string{"OTEL_TRACES_EXPORTER": "carrier-pigeon"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range otel {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			tp, err := tracerProvider(context.Background(), os.LookupEnv)
			if (err != nil) != tt.wantErr {
				t.Fatalf("TracerProvider() error = %v; want error %t", err, tt.wantErr)
			}
			if (tp != nil) != tt.on {
				t.Fatalf("TracerProvider() = %v; want on %t", tp, tt.on)
			}
			if tp == nil {
				return
			}
			defer tp.Shutdown(context.Background())
			if got := serviceName(t, tp); got != tt.service {
				t.Errorf("service.name = %q; want %q", got, tt.service)
			}
		})
	}
}
