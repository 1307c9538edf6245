// Package worker joins leadworker's parts into the running service: it builds
// the myKaarma client (behind the rate limit, metrics, circuit and adaptive
// concurrency RoundTrippers), the handlers.Handler, the guards and the
// consumer, and serves /healthz, /readyz and /metrics.
//
// It owns the policy between them:
//
//   - the consumer.Handler (processor) that decodes an event, runs the
//     handler behind the pause gate and its department's pause and turns its
//     outcome into a result or dead-letter record; an event of a paused
//     department is turned away at once (guard.ErrDepartmentPaused: not done,
//     tried again later without a handler slot);
//   - classify, a pure function that decides whether a handler error
//     dead-letters the event, pauses work, or leaves the event to be retried;
//   - the ordering key of the consumer's lanes, derived from
//     handlers.Identity;
//   - the metrics and the log line of every event, fed by each outcome's
//     Done hook (finish.go) and an http.RoundTripper.
//
// Config holds every setting; DefaultConfig has the defaults. The worker
// reads no environment variable itself (cmd/leadworker does) and imports
// neither kafka-go (consumer does) nor the sandbox.
package worker
