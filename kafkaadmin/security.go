package kafkaadmin

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// Connections builds the dialer (group and fetch) and the transport
// (writer) for the configured TLS and SASL settings.
func Connections(k Security) (*kafka.Dialer, *kafka.Transport, error) {
	var tlsConfig *tls.Config
	if k.TLS {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: k.InsecureSkipVerify} //nolint:gosec // opt-in for test clusters
		if k.TLSCAFile != "" {
			pem, err := os.ReadFile(k.TLSCAFile)
			if err != nil {
				return nil, nil, fmt.Errorf("KAFKA_TLS_CA_FILE: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, nil, errors.New("KAFKA_TLS_CA_FILE: no PEM certificates found")
			}
			tlsConfig.RootCAs = pool
		}
		if k.TLSCertFile != "" {
			cert, err := tls.LoadX509KeyPair(k.TLSCertFile, k.TLSKeyFile)
			if err != nil {
				return nil, nil, fmt.Errorf("KAFKA_TLS_CERT_FILE/KAFKA_TLS_KEY_FILE: %w", err)
			}
			tlsConfig.Certificates = []tls.Certificate{cert}
		}
	}
	var mech sasl.Mechanism
	switch k.SASLMechanism {
	case "":
	case "PLAIN":
		mech = plain.Mechanism{Username: k.SASLUsername, Password: k.SASLPassword}
	case "SCRAM-SHA-256", "SCRAM-SHA-512":
		algo := scram.SHA256
		if k.SASLMechanism == "SCRAM-SHA-512" {
			algo = scram.SHA512
		}
		m, err := scram.Mechanism(algo, k.SASLUsername, k.SASLPassword)
		if err != nil {
			return nil, nil, errors.New("KAFKA_SASL_MECHANISM: cannot set up SCRAM")
		}
		mech = m
	}
	dialer := &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true, TLS: tlsConfig, SASLMechanism: mech}
	transport := &kafka.Transport{DialTimeout: 10 * time.Second, TLS: tlsConfig, SASL: mech}
	return dialer, transport, nil
}

// Security is the optional TLS and SASL setup for the brokers.
type Security struct {
	TLS                bool
	TLSCAFile          string
	TLSCertFile        string
	TLSKeyFile         string
	InsecureSkipVerify bool
	SASLMechanism      string // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
	SASLUsername       string
	SASLPassword       string // never logged
}
