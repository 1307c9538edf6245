// Package consumer runs leadworker's Kafka side: it joins a consumer group,
// fetches records, hands each to a Handler, writes exactly one result or
// dead-letter record per input, and commits offsets: the run path, and
// only it. Crash recovery is package recovery's; what the consumer asks of
// Kafka besides fetching, writing and committing (topic state, TLS and SASL)
// it is handed (Options.Describer, Dialer, Transport, built by package
// kafkaadmin).
//
// It imports no leadworker package but the parts of the run path it is made
// of (recovery, fetch, budget, route, park, watermark): a Handler is all it
// knows of the business.
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
//     Options.MaxBuffered in count and Options.MaxBufferedBytes in bytes,
//     and so are the fetches under way: each takes room for a whole response
//     from the byte budget before it is sent (fetch.go). Fetching waits
//     while either bound is full. One record larger than the byte bound is
//     let through alone.
//   - Topics (topiccheck.go). Before joining the group, and at every new
//     generation, every input, result, dead-letter and
//     Options.RequiredTopics topic must exist (checked with a Metadata
//     request that never creates a topic); until then the consumer stays out
//     of the group and lists them in Stats.MissingTopics. Run refuses to
//     start (an error matching ErrStartupCheck) when a topic does not have
//     cleanup.policy=delete, when the dead-letter, route or parked topic's
//     max.message.bytes is below an input topic's, when co-partitioned
//     topics differ in partition count, or when MaxBufferedBytes
//     cannot hold one fetch; it checks the topics again every
//     TopicCheckInterval and lists what is wrong in Stats.TopicProblems.
//     Partitions added to an input topic are taken up by joining the group
//     again, and to the route topic as route/resize.go describes. Each output
//     writer's batch limit is its topic's max.message.bytes, so an input as
//     large as the input topic allows is dead-lettered whole when the
//     dead-letter topic has room for the headers.
//   - Lost records are counted, never passed over silently: records deleted
//     by retention before they were read are counted in Stats.Skipped, and a
//     fetch position past the end of the log, or in a topic deleted while it
//     was read, is listed in Stats.PastEnd and not read from again in that
//     generation.
//   - Bytes as they came. Keys, values and header values are written as they
//     were read: an empty one stays empty (never a null, which is a delete
//     marker on a compacted topic), a null stays null.
//   - Placement. Results and dead letters are partitioned by murmur2 of the
//     key, as the Java client's default partitioner does.
//   - A failing output write is listed in Stats.OutputFailing until it
//     succeeds. A dead letter the broker refuses as too large or invalid for
//     Options.DLQWriteGiveUp is replaced by a reference letter
//     (error.class=unwritable, an empty value, source.size and source.sha256
//     naming the original), counted in Stats.Unwritable; the original value
//     then exists only in the input topic, until its retention ends.
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
//   - After a crash (package recovery). Every commit records in its
//     metadata the partition's epoch and where the outputs ended; the next
//     owner reads the outputs written since and commits every redelivered
//     record whose output is there, with the same stamp, without calling the
//     Handler (Stats.SkippedAnswered). A record without an output is never
//     skipped.
//   - Parking (park.go, package park). A Handler may set a record aside on
//     Options.ParkTopic (Outcome.Park): that write is its output, and the
//     record comes back later from that topic, to the member that reads the
//     same partition id of the co-partitioned topics.
//   - The bulk route (bulk.go). A Handler that routes may send a record to
//     Options.BulkTopic instead (Route.Bulk), placed as on the route topic;
//     a consumer that reads that topic gives its records only the handler
//     slots no other record waits for, and a bounded share of MaxBuffered.
//   - Resets. A committed offset without leadworker's metadata was set by
//     an operator's tool: the partition starts a new epoch and nothing
//     answered before is skipped. A route record carries its input
//     partition's epoch (Message.Epoch), so a reset of the route stage's
//     group makes the process stage handle its records again too.
//
// Because kafka-go has no idempotent producer, a retried output write can
// produce a duplicate result or dead-letter record; consumers of those topics
// dedupe by eventId.
package consumer
