// Package topiccheck says what is wrong with the topics a consumer uses:
// that each exists, keeps its records by time, allows what must be written
// to it, keeps its partition count, and (for co-partitioned topics) shares
// one count with the others. It reads what the broker reported (State) and
// knows nothing of Kafka clients.
//
// It imports no leadworker package but route (co-partitioned counts).
package topiccheck
