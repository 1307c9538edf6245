package kafkaadmin

import (
	"time"

	"github.com/segmentio/kafka-go"
)

// newClient returns a kafka.Client for metadata and config queries.
// kafka-go's Transport answers Metadata from a cache refreshed every
// MetadataTTL, so a kafka.Transport is copied into a fresh one (same TLS,
// SASL and dialer) that the caller closes; any other RoundTripper is used as
// it is.
func newClient(brokers []string, transport kafka.RoundTripper) (*kafka.Client, func()) {
	t, ok := transport.(*kafka.Transport)
	if transport != nil && !ok {
		return &kafka.Client{Addr: kafka.TCP(brokers...), Transport: transport, Timeout: 10 * time.Second}, func() {}
	}
	fresh := &kafka.Transport{}
	if t != nil {
		fresh = &kafka.Transport{
			Dial: t.Dial, DialTimeout: t.DialTimeout, IdleTimeout: t.IdleTimeout,
			ClientID: t.ClientID, TLS: t.TLS, SASL: t.SASL, Resolver: t.Resolver, Context: t.Context,
		}
	}
	return &kafka.Client{Addr: kafka.TCP(brokers...), Transport: fresh, Timeout: 10 * time.Second}, fresh.CloseIdleConnections
}
