// Package consumer runs leadworker's Kafka side: it joins a consumer group,
// fetches records, hands each to a Handler, writes exactly one result or
// dead-letter record per input, and commits offsets. It also holds the
// Kafka-side tools around that loop: the TLS and SASL connection setup
// (Connections), the group's lag and broker reachability (LagWatcher), and
// dead-letter replay (Replay).
//
// It is the only package on the worker's run path that imports kafka-go, and
// it imports no other leadworker package: a Handler is all it knows of the
// business.
//
// Guarantees:
//
//   - At-least-once. An input offset is committed only after the record's
//     result or dead-letter record has been acknowledged by every in-sync
//     replica (RequiredAcks=all, synchronous writes). A failed output write is
//     retried; the record is never skipped.
//   - Commits are per partition and never pass an unfinished record: the
//     committed offset is the lowest fetched offset whose output is not yet
//     written (a watermark), so records may finish out of order but a crash
//     only ever causes redelivery, never loss.
//   - Records with the same ordering key (the Kafka key by default) are handled
//     one at a time in offset order; other keys run concurrently, up to
//     Options.MaxInFlight records inside the Handler per process. A record
//     waiting behind an earlier record of its key, or for its output write,
//     holds no such slot; fetched-but-unfinished records are bounded by
//     Options.MaxBuffered, and fetching waits while that is full.
//   - Ownership. The group is driven through kafka-go's ConsumerGroup and
//     Generation API, and every commit carries the generation that fetched the
//     record, so a commit from a lost generation is rejected by the broker
//     instead of moving a partition another member now owns (kafka-go #1308).
//   - Rebalance. When a generation ends, fetching stops, in-flight records of
//     the revoked partitions are given Options.DrainTimeout to finish, their
//     offsets are committed with the ending generation, and only then is the
//     partition given up. Records that did not finish are redelivered to the
//     new owner.
//   - Shutdown. When Run's context is cancelled the same drain happens for every
//     partition (bounded by DrainTimeout), the group is left, and the writer is
//     flushed and closed. A SIGKILL at any moment loses nothing: uncommitted
//     records are redelivered, so handlers must be idempotent (leadworker's
//     handler searches before it creates).
//
// Because kafka-go has no idempotent producer, a retried output write can
// produce a duplicate result or dead-letter record; consumers of those topics
// dedupe by eventId.
package consumer
