// Package testkit holds what leadworker's tests in every package share:
// waiting on a condition with a deadline instead of sleeping. It imports
// nothing of leadworker, so that any package's own tests can use it, and no
// binary links it (cmd/leadworker's deps_test.go checks the worker's).
package testkit
