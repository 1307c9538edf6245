// Package throttle paces leadworker's calls to myKaarma. Both of its parts
// are http.RoundTrippers stacked under the myKaarma client:
//
//   - NewRateLimited spaces calls to a fixed rate per process
//     (MYKAARMA_RATE_LIMIT), on golang.org/x/time/rate;
//   - AIMD adapts the consumer's in-flight limit to how myKaarma answers:
//     halved on 429, 5xx and timeouts, grown by one per round of successful
//     calls while latency holds; failures it is told to skip (a department
//     isolated by its own circuit) do not count.
//
// throttle knows nothing of Kafka or of leadworker's other packages: it must
// not import them.
package throttle
