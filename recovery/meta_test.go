package recovery

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// encodePositions is the metadata of a commit of epoch 0 with pos.
func encodePositions(pos positions, topics []string) string { return encodeMeta(0, pos, topics) }

func TestMetaRoundTrip(t *testing.T) {
	t.Parallel()
	topics := []string{"leadworker.results", "leadworker.dlq"}
	tests := []struct {
		name string
		m    commitMeta
		want string
	}{
		{"one partition each", commitMeta{epoch: 1765000000000, pos: positions{topics[0]: {7}, topics[1]: {0}}}, "lw2;1765000000000;leadworker.results=7;leadworker.dlq=0"},
		{"several", commitMeta{pos: positions{topics[0]: {120, 98, 0}, topics[1]: {3, 9_000_000_000}}}, "lw2;0;leadworker.results=120,98,0;leadworker.dlq=3,9000000000"},
		{"epoch alone", commitMeta{epoch: 42}, "lw2;42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			md := encodeMeta(tt.m.epoch, tt.m.pos, topics)
			if md != tt.want {
				t.Errorf("encodeMeta() = %q; want %q", md, tt.want)
			}
			got, err := decodeMeta(md)
			if err != nil || !reflect.DeepEqual(got, tt.m) {
				t.Errorf("decodeMeta(%q) = %v, %v; want %v, nil", md, got, err, tt.m)
			}
		})
	}
}

// The previous version's metadata (lw1;, positions only) reads as epoch 0.
func TestDecodeMetaVersion1(t *testing.T) {
	t.Parallel()
	got, err := decodeMeta("lw1;leadworker.results=7;leadworker.dlq=0")
	want := commitMeta{pos: positions{"leadworker.results": {7}, "leadworker.dlq": {0}}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("decodeMeta(lw1) = %v, %v; want %v, nil", got, err, want)
	}
}

func TestDecodePositionsRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		md   string
		is   error // nil: a damaged lw1 value, matching neither sentinel
	}{
		{"missing", "", errNoPositions},
		{"newer version", "lw3;1;a=1", errOtherMetadata},
		{"another writer", "committed by tool X", errOtherMetadata},
		{"lw1 without topics", "lw1;", nil},
		{"no epoch", "lw2;", nil},
		{"bad epoch", "lw2;x;a=1", nil},
		{"negative epoch", "lw2;-5", nil},
		{"no offsets", "lw2;1;a=", nil},
		{"no equals", "lw2;1;a", nil},
		{"not a number", "lw2;1;a=1,x", nil},
		{"negative", "lw1;a=-1", nil},
		{"empty partition", "lw2;1;a=1,,2", nil},
		{"topic twice", "lw2;1;a=1;a=2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeMeta(tt.md)
			if err == nil {
				t.Fatalf("decodeMeta(%q) = %v, nil; want an error", tt.md, got)
			}
			damaged := !errors.Is(err, errNoPositions) && !errors.Is(err, errOtherMetadata)
			if tt.is != nil && !errors.Is(err, tt.is) || tt.is == nil && !damaged {
				t.Errorf("decodeMeta(%q) = %v; want %v", tt.md, err, tt.is)
			}
		})
	}
}

const (
	outTopic = "leadworker.results"
	dlqTopic = "leadworker.dlq"
)

// testPartition is a Partition of a Recovery that never scans, for the
// commit metadata logic; wm tracks its in-flight offsets as a consumer
// would.
func testPartition(t *testing.T, maxMetadataBytes int) (*Partition, *testWatermark) {
	t.Helper()
	r := New(Options{GroupID: "g", Outputs: []string{outTopic, dlqTopic}, MaxMetadataBytes: maxMetadataBytes})
	return &Partition{r: r, log: r.log}, &testWatermark{next: -1}
}

// testWatermark is the part of a consumer's watermark Metadata depends on.
type testWatermark struct {
	pending []int64
	done    map[int64]bool
	next    int64
}

func (w *testWatermark) add(off int64) { w.pending = append(w.pending, off) }

func (w *testWatermark) finish(off int64) {
	if w.done == nil {
		w.done = map[int64]bool{}
	}
	w.done[off] = true
	for len(w.pending) > 0 && w.done[w.pending[0]] {
		w.next = w.pending[0] + 1
		w.pending = w.pending[1:]
	}
}

func (w *testWatermark) fetchedNext() int64 {
	if n := len(w.pending); n > 0 {
		return w.pending[n-1] + 1
	}
	return max(w.next, 0)
}

// newSample stores a sample as the recovery's latest.
func newSample(p *Partition, res, dlq []int64) *sample {
	s := &sample{pos: positions{outTopic: res, dlqTopic: dlq}, seq: p.r.seq.Add(1)}
	p.r.latest.Store(s)
	return s
}

func TestCommitMetadataWaitsForRecordsFetchedBeforeTheSample(t *testing.T) {
	t.Parallel()
	p, wm := testPartition(t, 0)
	s1 := newSample(p, []int64{10}, []int64{1})
	for off := int64(0); off < 3; off++ {
		wm.add(off)
	}
	wm.finish(0)
	// Records 1 and 2 were fetched before s1 was read: their outputs may lie
	// below it, so s1 may be recorded only once the commit point passes them.
	if md, want := p.Metadata(1, wm.fetchedNext()), encodeMeta(0, nil, nil); md != want {
		t.Fatalf("Metadata(1) = %q with no positions known before; want %q", md, want)
	}
	wm.add(3)
	wm.finish(2) // finished out of order: its output may be below s1
	wm.finish(1)
	want1 := encodePositions(s1.pos, p.r.opts.Outputs)
	if md := p.Metadata(3, wm.fetchedNext()); md != want1 {
		t.Fatalf("Metadata(3) = %q; want %q", md, want1)
	}
	s2 := newSample(p, []int64{20}, []int64{2})
	wm.add(4) // fetched after s2: 3 and 4 are in flight when it is taken
	if md := p.Metadata(3, wm.fetchedNext()); md != want1 {
		t.Errorf("Metadata(3) with 3 and 4 in flight = %q; want the older %q", md, want1)
	}
	wm.finish(4)
	if md := p.Metadata(3, wm.fetchedNext()); md != want1 {
		t.Errorf("Metadata(3) with 4 done out of order = %q; want the older %q", md, want1)
	}
	wm.finish(3)
	if md, want := p.Metadata(5, wm.fetchedNext()), encodePositions(s2.pos, p.r.opts.Outputs); md != want {
		t.Errorf("Metadata(5) = %q; want %q", md, want)
	}
}

func TestCommitMetadataKeepsRecordedPositionsPastAnsweredRecords(t *testing.T) {
	t.Parallel()
	p, _ := testPartition(t, 0)
	recorded := positions{outTopic: {4}, dlqTopic: {0}}
	base := newSample(p, []int64{9}, []int64{1})
	// As Scan.Partition leaves it when the scan found offsets 5 and 7
	// answered between the recorded positions and base.
	p.since, p.cand = recorded, &candidate{s: base, from: 8}
	want := encodePositions(recorded, p.r.opts.Outputs)
	if md := p.Metadata(7, 8); md != want {
		t.Errorf("Metadata(7) = %q; want the recorded %q until 7 is passed", md, want)
	}
	if md, want := p.Metadata(8, 8), encodePositions(base.pos, p.r.opts.Outputs); md != want {
		t.Errorf("Metadata(8) = %q; want %q", md, want)
	}
}

func TestCommitMetadataTooLarge(t *testing.T) {
	t.Parallel()
	p, _ := testPartition(t, 100)
	small := newSample(p, []int64{1, 2}, []int64{3})
	if md := p.Metadata(0, 0); md != encodePositions(small.pos, p.r.opts.Outputs) {
		t.Fatalf("Metadata(0) = %q; want the small sample", md)
	}
	big := make([]int64, 40)
	for i := range big {
		big[i] = 1_000_000 + int64(i)
	}
	newSample(p, big, big)
	if md, want := p.Metadata(1, 1), encodeMeta(0, nil, nil); md != want {
		t.Errorf("Metadata(1) = %d bytes over a cap of 100; want %q", len(md), want)
	}
	if n := p.r.Stats().CommitsWithoutPositions; n != 1 {
		t.Errorf("Stats().CommitsWithoutPositions = %d; want 1", n)
	}
	if md := encodePositions(positions{outTopic: big, dlqTopic: big}, p.r.opts.Outputs); len(md) <= 100 || !strings.HasPrefix(md, metaVersion) {
		t.Errorf("encoding of 80 offsets = %d bytes; the test needs more than 100", len(md))
	}
}

func TestDefaultMetadataCapFitsManyPartitions(t *testing.T) {
	t.Parallel()
	// 100 partitions per output topic with 12-digit offsets fit Kafka's
	// default offset.metadata.max.bytes.
	offs := make([]int64, 100)
	for i := range offs {
		offs[i] = 999_999_999_999
	}
	md := encodePositions(positions{outTopic: offs, dlqTopic: offs}, []string{outTopic, dlqTopic})
	if len(md) > 4096 {
		t.Errorf("100+100 partitions encode to %d bytes; want at most 4096", len(md))
	}
}
