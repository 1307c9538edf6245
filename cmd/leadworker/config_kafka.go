package main

import (
	"errors"
	"fmt"
	"github.com/leadworker/leadworker/kafkaadmin"
	"slices"
	"strings"
	"time"

	"github.com/leadworker/leadworker/worker"
)

// loadKafka reads the Kafka variables every command shares (run, dlq
// replay) into c: brokers, group, topics, TLS and SASL. Whether
// KAFKA_BROKERS is required is the caller's call (a flag may give them).
func loadKafka(e *env, d worker.Config, c *worker.Config) {
	c.Brokers = e.list("KAFKA_BROKERS", "")
	for _, b := range c.Brokers {
		if !validHostPort(b, 1, false) {
			e.errs = append(e.errs, fmt.Errorf("KAFKA_BROKERS: %q: want host:port with a port 1..65535", b))
		}
	}
	c.GroupID = e.str("KAFKA_GROUP_ID", d.GroupID)
	c.InputTopics = e.list("KAFKA_INPUT_TOPICS", strings.Join(d.InputTopics, ","))
	c.ResultTopic = e.str("KAFKA_RESULT_TOPIC", d.ResultTopic)
	c.DLQTopic = e.str("KAFKA_DLQ_TOPIC", d.DLQTopic)
	c.IdentityRouting = e.boolean("IDENTITY_ROUTING", d.IdentityRouting)
	// The route topic belongs to one deployment: unset, it follows the group.
	c.RouteTopic = e.str("KAFKA_ROUTE_TOPIC", "")
	c.RouteTopicSet = c.RouteTopic != ""
	if !c.RouteTopicSet {
		c.RouteTopic = c.DefaultRouteTopic()
	}
	c.BulkRouteTopic = e.str("KAFKA_BULK_ROUTE_TOPIC", c.DefaultBulkRouteTopic())
	// The parked topic too (PARK_MAX_AGE sizes its retention).
	c.ParkedTopic = e.str("KAFKA_PARKED_TOPIC", c.DefaultParkedTopic())
	c.ParkMaxAge = e.duration("PARK_MAX_AGE", d.ParkMaxAge, time.Minute)
	c.Kafka = kafkaadmin.Security{
		TLS:                e.boolean("KAFKA_TLS", false),
		TLSCAFile:          e.str("KAFKA_TLS_CA_FILE", ""),
		TLSCertFile:        e.str("KAFKA_TLS_CERT_FILE", ""),
		TLSKeyFile:         e.str("KAFKA_TLS_KEY_FILE", ""),
		InsecureSkipVerify: e.boolean("KAFKA_TLS_INSECURE_SKIP_VERIFY", false),
		SASLMechanism:      e.oneOf("KAFKA_SASL_MECHANISM", "", "", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"),
		SASLUsername:       e.str("KAFKA_SASL_USERNAME", ""),
		SASLPassword:       e.secret("KAFKA_SASL_PASSWORD"),
	}
	if len(c.InputTopics) == 0 {
		e.errs = append(e.errs, errors.New("KAFKA_INPUT_TOPICS: want at least one topic"))
	}
	for _, t := range c.InputTopics {
		if t == c.ResultTopic || t == c.DLQTopic || (c.IdentityRouting && t == c.RouteTopic) {
			e.errs = append(e.errs, fmt.Errorf("KAFKA_INPUT_TOPICS: %q is also KAFKA_RESULT_TOPIC, KAFKA_DLQ_TOPIC or KAFKA_ROUTE_TOPIC", t))
		}
	}
	if p := c.ParkedTopic; p == c.ResultTopic || p == c.DLQTopic || p == c.RouteTopic || slices.Contains(c.InputTopics, p) {
		e.errs = append(e.errs, fmt.Errorf("KAFKA_PARKED_TOPIC: %q is also an input, result, dead-letter or route topic", p))
	}
	if b := c.BulkRouteTopic; b == c.ResultTopic || b == c.DLQTopic || b == c.RouteTopic || b == c.ParkedTopic || slices.Contains(c.InputTopics, b) {
		e.errs = append(e.errs, fmt.Errorf("KAFKA_BULK_ROUTE_TOPIC: %q is also an input, result, dead-letter, route or parked topic", b))
	}
	if c.IdentityRouting && (c.RouteTopic == c.ResultTopic || c.RouteTopic == c.DLQTopic) {
		e.errs = append(e.errs, fmt.Errorf("KAFKA_ROUTE_TOPIC: %q is also KAFKA_RESULT_TOPIC or KAFKA_DLQ_TOPIC", c.RouteTopic))
	}
	k := c.Kafka
	if k.SASLMechanism != "" && (k.SASLUsername == "" || k.SASLPassword == "") {
		e.errs = append(e.errs, errors.New("KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)"))
	}
	if (k.TLSCertFile == "") != (k.TLSKeyFile == "") {
		e.errs = append(e.errs, errors.New("KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together"))
	}
}

// kafkaConfig reads only the Kafka variables, for the commands that need
// nothing else (dlq replay, topics create).
func kafkaConfig(lookup func(string) (string, bool)) (worker.Config, error) {
	e := &env{lookup: lookup}
	d := worker.DefaultConfig()
	cfg := d
	loadKafka(e, d, &cfg)
	return cfg, errors.Join(e.errs...)
}
