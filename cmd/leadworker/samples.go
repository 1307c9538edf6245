//go:build !lean

package main

import (
	"github.com/leadworker/leadworker/console"
	"github.com/leadworker/leadworker/examples"
)

// sampleEvents are what produce sends without FILE: the sample events of
// examples/, built into this binary. The image's build (-tags lean) leaves
// them out (samples_lean.go).
func sampleEvents() ([]console.Record, error) {
	return console.Samples(examples.Events)
}
