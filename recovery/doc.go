// Package recovery keeps a consumer from handling again, after a crash or a
// rebalance, the records whose result or dead letter is already on Kafka but
// whose offset was not committed: for leadworker that is a lead saved twice.
// It owns the commit metadata that makes this possible, the read of the
// outputs at assignment, and the stamps that match an output to the record
// it answers.
//
// How it works:
//
//   - Every commit of an input partition records, in the commit's metadata,
//     the partition's epoch and where the output topics ended before any
//     output of a record above the commit could have been written
//     (Partition.Metadata; the format is in meta.go).
//   - When a generation starts, Recovery.Start reads the committed metadata
//     of every assigned partition once, and the outputs written since the
//     recorded positions (no lower than the output partitions' log start),
//     bounded by Options.MaxRecords and Options.Timeout. When a bound is hit,
//     or the window cannot be read, nothing is skipped.
//   - A redelivered record is skipped (Partition.Skip) only when an output of
//     its position and stamp was found: every output carries the SHA-256 of
//     the input's value and the input partition's epoch (SourceHeaders), so
//     an output answers the very record it names and no other, such as a
//     route record forged under a real record's position.
//   - Records answered lately by this consumer are remembered too
//     (Recovery.Answered), so that a route record forwarded twice, once
//     before and once after it was answered, is answered once.
//   - An offset reset by an operator's tool carries no metadata: the
//     partition starts a new epoch (Partition.Epoch) and nothing answered
//     before the reset is skipped. A reset means "do these again".
//
// What can still repeat: records being handled or written at the crash, and
// everything uncommitted when the metadata is missing, damaged or too large
// (Options.MaxMetadataBytes), or the window is over a bound
// (Stats.Fallbacks). A record without an output is never skipped.
//
// It imports no other leadworker package.
package recovery
