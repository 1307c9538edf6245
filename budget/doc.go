// Package budget bounds what the consumer holds: Bytes, a byte budget that
// fetches and fetched records take their room from, and Slots, a counting
// semaphore whose limit can change while it is in use. Both serve waiters in
// arrival order, and let one request larger than the whole limit through
// alone, so nothing deadlocks.
//
// It imports no leadworker package.
package budget
