//go:build lean

package main

import (
	"errors"

	"github.com/leadworker/leadworker/console"
)

// sampleEvents: the image's build carries no sample events; produce sends
// files or standard input there.
func sampleEvents() ([]console.Record, error) {
	return nil, errors.New("the sample events are not in this build (the image's): give FILE, or - for standard input")
}
