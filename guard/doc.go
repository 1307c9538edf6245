// Package guard holds what stops leadworker from doing damage on a bad day:
//
//   - Gate pauses all work for one or more reasons (credentials refused,
//     myKaarma failing for everything, a dead-letter flood) and lets one probe
//     through at a time, with backoff, while the pause allows probes;
//   - Departments pauses single dealer departments (a scope missing, a
//     department's own open circuit) while the others go on, without making
//     anyone wait: an event of a paused department is turned away at once
//     unless it is the department's probe;
//   - Circuit watches myKaarma calls and opens for one department, or for
//     everything, when they fail across many events rather than for one;
//   - Flood watches finished events and pauses the gate, with no probes, when
//     too many are dead-lettered.
//
// # Departments
//
// The department is the unit of isolation: the event's departmentUuid,
// carried on the call's context (WithDepartment), also for the lead save
// whose path names the dealer, so that a department and its dealer fail
// into one key. myKaarma grants customer.search and customer.update per
// department and lead.write per dealer, and a dealer's backend can fail
// alone; one service subscriber's credentials serve them all. Hence:
//
//   - 401 (credentials refused) pauses everything (Gate, ReasonAuth);
//   - 403 (scope missing) pauses the event's department (ReasonScope) until
//     its probe gets through without a 403;
//   - a transient status (5xx, 429, 408) counts against the call's
//     department; a timeout or transport error, which has no status, says
//     nothing of a department and counts globally.
//
// # The circuit rule
//
// The thresholds (CircuitOptions) are applied to three counters:
//
//   - each department's answered calls: Consecutive transient failures from
//     MinEvents events, or a share of at least Ratio among the last
//     WindowCalls calls within Window, from MinEvents events, open that
//     department's circuit (its department is paused, reason "circuit"); the
//     department's next call that does not fail transiently closes it;
//   - calls without a status (timeouts, transport errors) against successes:
//     the same thresholds open the global circuit;
//   - every call: when the same thresholds hold there, the global circuit
//     opens only if the failures span departments: at least MinDepartments
//     (3) departments failing, and at least DepartmentRatio (0.5) of the
//     departments called within Window. A department is failing when its
//     circuit is open and failed in that time, or when its calls in that
//     time include a failure and fail at least at Ratio. Only departments'
//     calls since the global circuit last closed count, so that one success
//     is not undone by the same old failures.
//
// Any call that does not fail transiently closes the global circuit. So one
// department's outage, however busy, pauses that department alone, and a
// myKaarma-wide outage still pauses everything (and /readyz answers 503).
//
// State per department is bounded: the circuit counts at most MaxDepartments
// (DefaultMaxDepartments, 10,000) departments and forgets the least recently
// called first (an open one then closes, and opens again if its calls still
// fail); at most as many departments are paused, and beyond that a new
// department's pause is refused with one error line.
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
