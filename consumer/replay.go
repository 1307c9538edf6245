package consumer

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/segmentio/kafka-go"
)

// HeaderReplayCount counts how often a dead letter was replayed; the worker
// keeps it when it dead-letters the event again, so replays cannot loop.
const HeaderReplayCount = "replay.count"

// ReplayOptions configure Replay.
type ReplayOptions struct {
	Brokers    []string
	DLQTopic   string
	To         string
	Class      string
	Since      time.Time
	EventID    string
	DryRun     bool
	MaxReplays int
	Group      string
	Transport  kafka.RoundTripper // nil: plain TCP
}

// ReplaySummary counts what Replay did.
type ReplaySummary struct{ Replayed, Skipped, Matched int }

// Replay reads every partition of the dead-letter topic from the group's
// committed offset to the end offset seen at start, publishes the matching
// records, and commits the end offsets (unless DryRun).
func Replay(ctx context.Context, o ReplayOptions, out io.Writer) (ReplaySummary, error) {
	var sum ReplaySummary
	client := &kafka.Client{Addr: kafka.TCP(o.Brokers...), Transport: o.Transport, Timeout: 10 * time.Second}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{o.DLQTopic}})
	if err != nil {
		return sum, fmt.Errorf("metadata: %w", err)
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return sum, fmt.Errorf("topic %s not found", o.DLQTopic)
	}
	var parts []int
	var ends []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		parts = append(parts, p.ID)
		ends = append(ends, kafka.FirstOffsetOf(p.ID), kafka.LastOffsetOf(p.ID))
	}
	offs, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{o.DLQTopic: ends}})
	if err != nil {
		return sum, fmt.Errorf("list offsets: %w", err)
	}
	committed, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: o.Group, Topics: map[string][]int{o.DLQTopic: parts}})
	if err != nil {
		return sum, fmt.Errorf("offset fetch: %w", err)
	}
	from := map[int]int64{}
	for _, c := range committed.Topics[o.DLQTopic] {
		if c.Error == nil && c.CommittedOffset >= 0 {
			from[c.Partition] = c.CommittedOffset
		}
	}

	w := &kafka.Writer{Addr: kafka.TCP(o.Brokers...), Balancer: &kafka.Hash{}, RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond, Transport: o.Transport}
	defer w.Close()
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	if o.DryRun {
		fmt.Fprintln(tw, "FAILED AT\tCLASS\tEVENT ID\tREPLAYS\tACTION\tMESSAGE")
	}
	commit := map[int]int64{}
	for _, po := range offs.Topics[o.DLQTopic] {
		if po.Error != nil {
			return sum, fmt.Errorf("list offsets of partition %d: %w", po.Partition, po.Error)
		}
		start, ok := from[po.Partition]
		if !ok || start < po.FirstOffset {
			start = po.FirstOffset
		}
		if start >= po.LastOffset {
			continue
		}
		msgs, err := readRange(ctx, o, po.Partition, start, po.LastOffset)
		if err != nil {
			return sum, err
		}
		for _, m := range msgs {
			if !o.matches(m) {
				continue
			}
			sum.Matched++
			n, _ := strconv.Atoi(header(m, HeaderReplayCount))
			action := "replay"
			if n >= o.MaxReplays {
				action = "skipped: replayed " + strconv.Itoa(n) + " times"
				sum.Skipped++
			}
			if o.DryRun || n >= o.MaxReplays {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", header(m, HeaderFailedAt), header(m, HeaderErrorClass),
					header(m, HeaderEventID), n, action, header(m, HeaderErrorMessage))
				continue
			}
			if err := w.WriteMessages(ctx, replayMessage(m, o.To, n+1)); err != nil {
				return sum, fmt.Errorf("publish offset %d of partition %d: %w", m.Offset, m.Partition, err)
			}
			sum.Replayed++
		}
		commit[po.Partition] = po.LastOffset
	}
	if o.DryRun || len(commit) == 0 {
		return sum, nil
	}
	var cps []kafka.OffsetCommit
	for p, off := range commit {
		cps = append(cps, kafka.OffsetCommit{Partition: p, Offset: off})
	}
	resp, err := client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: o.Group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{o.DLQTopic: cps}})
	if err != nil {
		return sum, fmt.Errorf("commit: %w", err)
	}
	for _, ps := range resp.Topics {
		for _, p := range ps {
			if p.Error != nil {
				return sum, fmt.Errorf("commit partition %d: %w", p.Partition, p.Error)
			}
		}
	}
	return sum, nil
}

// readRange reads offsets [from, to) of one partition.
func readRange(ctx context.Context, o ReplayOptions, partition int, from, to int64) ([]kafka.Message, error) {
	d := &kafka.Dialer{Timeout: 10 * time.Second}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: o.Brokers, Topic: o.DLQTopic, Partition: partition, Dialer: d, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(from); err != nil {
		return nil, err
	}
	var out []kafka.Message
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read partition %d: %w", partition, err)
		}
		if m.Offset >= to {
			return out, nil
		}
		out = append(out, m)
		if m.Offset == to-1 {
			return out, nil
		}
	}
}

func (o ReplayOptions) matches(m kafka.Message) bool {
	if o.Class != "" && header(m, HeaderErrorClass) != o.Class {
		return false
	}
	if o.EventID != "" && header(m, HeaderEventID) != o.EventID {
		return false
	}
	if !o.Since.IsZero() {
		at, err := time.Parse(time.RFC3339Nano, header(m, HeaderFailedAt))
		if err != nil {
			at = m.Time
		}
		if at.Before(o.Since) {
			return false
		}
	}
	return true
}

// replayMessage is the original key and value for the input topic, with the
// input's own headers (not the error headers) and replay.count set to n.
func replayMessage(m kafka.Message, to string, n int) kafka.Message {
	if to == "" {
		to = header(m, HeaderSourceTopic)
	}
	if to == "" {
		to = "crm.events"
	}
	var hs []kafka.Header
	for _, h := range m.Headers {
		if !ownHeaders[h.Key] && h.Key != HeaderReplayCount {
			hs = append(hs, h)
		}
	}
	hs = append(hs, kafka.Header{Key: HeaderReplayCount, Value: []byte(strconv.Itoa(n))})
	return kafka.Message{Topic: to, Key: m.Key, Value: m.Value, Headers: hs}
}

func header(m kafka.Message, key string) string {
	for i := len(m.Headers) - 1; i >= 0; i-- {
		if m.Headers[i].Key == key {
			return string(m.Headers[i].Value)
		}
	}
	return ""
}
