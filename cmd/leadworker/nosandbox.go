//go:build nosandbox

package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
)

// This build (-tags nosandbox, as the image is built) leaves out what only a
// newcomer's machine needs: the embedded Kafka broker, the fake myKaarma and
// the sample events behind demo and bench.

const noSandbox = "is not in this build (built with -tags nosandbox, as the image is); from a checkout: go run ./cmd/leadworker "

func demoCommand(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "leadworker demo "+noSandbox+"demo")
	return 2
}

func benchCommand(_ context.Context, _ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "leadworker bench "+noSandbox+"bench")
	return 2
}

// sampleEvents returns nil: produce needs files or stdin in this build.
func sampleEvents() fs.FS { return nil }
