// Package replay publishes dead letters again (leadworker dlq replay): each
// matching record's original key, value and headers, plus replay.count, to
// the partition it came from while its topic still has it, skipping records
// the worker would only dead-letter again.
//
// It imports no leadworker package but kafkaadmin and deadletter.
package replay
