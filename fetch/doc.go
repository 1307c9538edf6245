// Package fetch reads one partition of a topic within a byte budget, with
// kafka.Client.Fetch rather than kafka-go's Reader:
//
//   - Room for a whole fetch response (Options.Size: a broker answers with
//     at least one whole batch) is taken from the budget before the fetch is
//     sent, and what the records do not use is given back once they are
//     read. The request asks for no more than responses have held
//     decompressed (ask.go). So the budget bounds what is fetched, not only
//     what waits to be handled; nothing is prefetched outside it.
//   - An empty key, value or header value stays empty and a null stays null
//     (the Reader turns both into nil).
//   - A fetch position the log no longer has is seen: records deleted
//     before they were read (retention) are reported (Options.Skipped), where
//     the Reader skips them silently, and a position past the end of the log
//     (a topic deleted and created again, offsets set by hand), or in a
//     topic deleted while it was read, stops reading the partition
//     (Options.PastEnd), where the Reader waits until the new log reaches the
//     position and then passes over everything below it unseen.
//
// It imports no leadworker package.
package fetch
