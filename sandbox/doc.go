// Package sandbox runs leadworker's real pipeline on an embedded Kafka broker
// (franz-go's kfake) and the in-process fake myKaarma, for `leadworker demo`
// and `leadworker bench`. Nothing on the run path imports it; it is linked
// into the binary for those two commands only, and it does not import the
// testing package.
//
// It produces sample events and reads the result and dead-letter topics with
// kafka-go, as a client of the worker would; the worker itself reaches Kafka
// only through the consumer package.
package sandbox
