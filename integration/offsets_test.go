package integration

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// This file holds what the operations tests (quiet partitions, retention, forged route
// records, offset resets) read and change on the broker as an operator's tools would: a
// group's committed offsets with their metadata, an offset reset, DeleteRecords, and the
// worker's metrics.

// committed is one partition's committed offset and the metadata committed with it.
type committed struct {
	Offset   int64 // -1: none
	Metadata string
}

// committedMeta returns group's committed offset and metadata for partitions 0..n-1 of topic.
func committedMeta(t *testing.T, b *broker, group, topic string, n int) map[int]committed {
	t.Helper()
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i
	}
	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 10 * time.Second}
	res, err := c.OffsetFetch(context.Background(), &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err == nil && res.Error != nil {
		err = res.Error
	}
	if err != nil {
		t.Fatalf("offset fetch %s: %v", group, err)
	}
	out := map[int]committed{}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("offset fetch %s %s/%d: %v", group, topic, p.Partition, p.Error)
		}
		out[p.Partition] = committed{Offset: p.CommittedOffset, Metadata: p.Metadata}
	}
	return out
}

// metaPositions reads the output positions a leadworker commit records in its metadata
// ("lw2;<epoch>;<topic>=<o0>,<o1>;..." or the older "lw1;<topic>=<o0>,...;..."): the offset
// per partition of each output topic. Entries that are not topic=offsets are left out.
func metaPositions(md string) map[string][]int64 {
	out := map[string][]int64{}
	for _, part := range strings.Split(md, ";") {
		topic, list, ok := strings.Cut(part, "=")
		if !ok || topic == "" {
			continue
		}
		var offs []int64
		for _, f := range strings.Split(list, ",") {
			o, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				offs = nil
				break
			}
			offs = append(offs, o)
		}
		if offs != nil {
			out[topic] = offs
		}
	}
	return out
}

// outputEnds returns the end offset of every partition of tp's result and dead-letter topics.
func outputEnds(t *testing.T, b *broker, tp topics) map[string][]int64 {
	t.Helper()
	ends := map[string][]int64{}
	for _, topic := range []string{tp.Result, tp.DLQ} {
		ends[topic] = partitionEnds(t, b, topic, tp.Partitions)
	}
	return ends
}

// partitionEnds returns the end offsets of partitions 0..n-1 of topic.
func partitionEnds(t *testing.T, b *broker, topic string, n int) []int64 {
	t.Helper()
	var req []kafka.OffsetRequest
	for p := range n {
		req = append(req, kafka.LastOffsetOf(p))
	}
	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 10 * time.Second}
	res, err := c.ListOffsets(context.Background(), &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: req}})
	if err != nil {
		t.Fatalf("list offsets of %s: %v", topic, err)
	}
	ends := make([]int64, n)
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("end offset of %s/%d: %v", topic, p.Partition, p.Error)
		}
		ends[p.Partition] = p.LastOffset
	}
	return ends
}

// covers reports why pos, positions read from commit metadata, are not at or above ends for
// every partition of every topic of ends, or nil.
func covers(pos, ends map[string][]int64) error {
	for topic, es := range ends {
		ps := pos[topic]
		if len(ps) != len(es) {
			return fmt.Errorf("positions %v for %s; want %d partitions", ps, topic, len(es))
		}
		for i, e := range es {
			if ps[i] < e {
				return fmt.Errorf("%s/%d at %d, below the end %d", topic, i, ps[i], e)
			}
		}
	}
	return nil
}

// resetOffsets sets group's committed offset of partitions 0..n-1 of topic to offset with
// empty metadata, outside any generation: what `kafka-consumer-groups --reset-offsets
// --execute` does to a group without members.
func resetOffsets(t *testing.T, b *broker, group, topic string, n int, offset int64) {
	t.Helper()
	var commits []kafka.OffsetCommit
	for p := range n {
		commits = append(commits, kafka.OffsetCommit{Partition: p, Offset: offset, Metadata: ""})
	}
	c := &kafka.Client{Addr: kafka.TCP(b.addrs...), Timeout: 10 * time.Second}
	res, err := c.OffsetCommit(context.Background(), &kafka.OffsetCommitRequest{
		GroupID:      group,
		GenerationID: -1,
		Topics:       map[string][]kafka.OffsetCommit{topic: commits},
	})
	if err != nil {
		t.Fatalf("reset offsets of %s on %s: %v", group, topic, err)
	}
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			t.Fatalf("reset offset of %s on %s/%d: %v", group, topic, p.Partition, p.Error)
		}
	}
}

// deleteRecordsBelow deletes the records of topic below below[p] in each partition p, as
// retention (or kafka-delete-records) does; a partition whose offset is 0 is left alone.
func deleteRecordsBelow(t *testing.T, b *broker, topic string, below []int64) {
	t.Helper()
	req := kmsg.NewPtrDeleteRecordsRequest()
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	for p, o := range below {
		if o <= 0 {
			continue
		}
		rp := kmsg.NewDeleteRecordsRequestTopicPartition()
		rp.Partition, rp.Offset = int32(p), o
		rt.Partitions = append(rt.Partitions, rp)
	}
	if len(rt.Partitions) == 0 {
		return
	}
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 10000
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := req.RequestWith(ctx, newKgo(t, b))
	if err != nil {
		t.Fatalf("delete records of %s: %v", topic, err)
	}
	for _, rt := range res.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				t.Fatalf("delete records of %s/%d: %v", rt.Topic, rp.Partition, err)
			}
		}
	}
}

// metric returns the value of the unlabelled series name on w's /metrics, or an error when
// the worker does not export it.
func (w *workerProc) metric(t *testing.T, name string) (float64, error) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + w.httpAddr(t) + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), name+" ")
		if !ok {
			continue
		}
		return strconv.ParseFloat(strings.TrimSpace(v), 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no series %s on /metrics", w.name, name)
}

// logged returns the messages of w's log lines that contain s.
func (w *workerProc) logged(s string) []string {
	var out []string
	for _, l := range w.stderr.lines() {
		if m, _ := l["msg"].(string); strings.Contains(m, s) {
			out = append(out, m)
		}
	}
	return out
}
