// Package guard holds what stops leadworker from doing damage on a bad day:
//
//   - Gate pauses work for one or more reasons (credentials refused, myKaarma
//     failing for everyone, a dead-letter flood) and lets one probe through at
//     a time, with backoff, while the pause allows probes;
//   - Circuit watches myKaarma calls and opens (pauses the gate) when they fail
//     across many events rather than for one;
//   - Flood watches finished events and pauses the gate, with no probes, when
//     too many are dead-lettered.
//
// Each takes its clock and logger from its caller (nil: time.Now, silent).
// guard knows nothing of Kafka, HTTP or myKaarma: it must not import kafka-go,
// net/http or any leadworker package.
package guard

import (
	"io"

	"github.com/sirupsen/logrus"
)

// orSilent returns log, or a logger that discards everything when log is nil.
func orSilent(log logrus.FieldLogger) logrus.FieldLogger {
	if log != nil {
		return log
	}
	l := logrus.New()
	l.Out = io.Discard
	return l
}
