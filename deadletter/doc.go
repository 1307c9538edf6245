// Package deadletter is the dead-letter record's format: its header names,
// its classes, and the headers of a dead letter and of a reference letter
// built from a Letter. The worker composes dead letters with it, dead-letter
// replay reads them, and the consumer writes them as it is told (the input's
// key and value, these headers, and the source headers of package recovery).
//
// It imports no leadworker package but consumer (for its Header) and
// recovery (for the source header names).
package deadletter
