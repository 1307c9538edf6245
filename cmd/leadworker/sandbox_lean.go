//go:build lean

// The image's build (go build -tags lean) leaves demo and bench out, and with
// them the embedded broker, the fake myKaarma, in-memory spans and the sample
// events: a worker's image ships the worker only.

package main

import (
	"context"
	"fmt"
	"io"
)

func demoCommand(_ context.Context, _ []string, _, stderr io.Writer) int {
	return notInThisBuild("demo", stderr)
}

func benchCommand(_ context.Context, _ []string, _, stderr io.Writer) int {
	return notInThisBuild("bench", stderr)
}

// notInThisBuild answers a command the lean build leaves out, with exit status 2.
func notInThisBuild(command string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "leadworker %s: not in this build; run go run ./cmd/leadworker %s from a checkout\n", command, command)
	return 2
}
