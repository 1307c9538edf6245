// Package console is what a person at a terminal uses to talk to
// leadworker's topics, as Kafka's console producer and consumer do for any
// topic: it produces events the way a CRM producer should (keyed by eventId,
// placed by murmur2 as the Java client's default partitioner places keys,
// acknowledged by every in-sync replica), and it reads the result and
// dead-letter topics and prints them as one table. `leadworker produce`,
// `leadworker tail` and `leadworker demo` use it.
//
// It speaks to Kafka with kafka-go, with the TLS and SASL of the worker's
// configuration (kafkaadmin.Connections). It is linked into the worker's
// binary, so it imports nothing of the sandbox (no embedded broker, no fake
// myKaarma) and not the testing package.
package console
