// Package workertest starts leadworker's real worker for a test: worker.New
// and Run on the sandbox's embedded Kafka broker (two partitions per topic)
// and its fake myKaarma, with its HTTP handler served on loopback and its
// outputs followed, all stopped when the test ends.
//
// It is the pipeline starter of testkit, apart from it because it imports
// the worker and the sandbox: package testkit stays importable by every
// package's own tests. Nothing but tests imports it; no binary links it.
package workertest
