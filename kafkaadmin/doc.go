// Package kafkaadmin holds what leadworker asks of Kafka besides consuming
// and producing: the TLS and SASL connection setup (Connections), topic
// creation for operators (CreateTopics), the state of the topics the worker
// reads and writes (Describer, which never asks a broker to create a topic),
// the consumer groups reading a topic (GroupsConsuming, SharedTopics), the
// groups' lag and the brokers' reachability (LagWatcher), and whether the
// brokers create topics on request (AutoCreateTopics).
//
// The worker's run path (package consumer) does not import it: it is handed
// a Describer and the Dialer and Transport that Connections builds.
//
// It imports no leadworker package but consumer (for TopicState).
package kafkaadmin
