package worker

import (
	"io"
	"net/http"

	"github.com/sirupsen/logrus"
	"go.opentelemetry.io/otel/trace"
)

// Option configures New beyond Config: what is not a setting.
type Option func(*options)

type options struct {
	log         logrus.FieldLogger
	httpClient  *http.Client
	tp          trace.TracerProvider
	propagators []string
}

// WithLogger sends the worker's log to log; without it the worker is silent.
func WithLogger(log logrus.FieldLogger) Option {
	return func(o *options) { o.log = log }
}

// WithHTTPClient sends myKaarma calls through c (its transport wrapped in
// the rate limit, metrics, circuit, adaptive-concurrency and tracing
// RoundTrippers); without it, a pooled transport sized for MAX_IN_FLIGHT.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) { o.httpClient = c }
}

func newOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		l := logrus.New()
		l.Out = io.Discard
		o.log = l
	}
	return o
}
