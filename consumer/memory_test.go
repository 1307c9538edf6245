package consumer

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadworker/leadworker/internal/testkit"
)

// The memory test runs the consumer in a child process (this test binary,
// running TestMemoryChild) so that its peak RSS is not the embedded broker's,
// which holds every record in memory.
const (
	memRecords  = 30
	memSize     = 7_500_000
	memLimit    = 8 << 20 // the input topic's max.message.bytes
	memBudget   = 16 << 20
	memBaseline = 64 << 20 // Go runtime, kafka-go, test binary
)

// Thirty 7.5 MB records with a 16 MiB MaxBufferedBytes: every fetch takes
// its room (the topic's max.message.bytes) from the budget before it is
// sent, so the records and fetches held stay within MaxBufferedBytes, and
// the live Go heap within 2 × MaxBufferedBytes (a record being written to
// an output is encoded once more) plus 8 MiB. RSS, with the collector's
// default GOGC=100, within twice that plus the process's base. (With
// kafka-go's Reader, which prefetched outside the budget, the worker peaked
// at 338 MB RSS on the same records.)
func TestMemoryBoundedWithLargeRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("produces 180 MB")
	}
	t.Parallel()
	addr := newBareCluster(t)
	createTopic(t, addr, inTopic, 1, map[string]string{"max.message.bytes": strconv.Itoa(memLimit)})
	createTopic(t, addr, outTopic, 1, nil)
	createTopic(t, addr, dlqTopic, 1, map[string]string{"max.message.bytes": strconv.Itoa(memLimit + HeaderRoom)})
	for i := 0; i < memRecords; i++ {
		produceBig(t, addr, inTopic, "k"+strconv.Itoa(i), memSize)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMemoryChild$", "-test.v")
	cmd.Env = append(os.Environ(), "LW_MEMORY_CHILD_BROKER="+addr)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`VmHWM_KB=(\d+) peak_buffered=(\d+) peak_live_heap=(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child printed no measurement:\n%s", out)
	}
	hwm, _ := strconv.ParseInt(string(m[1]), 10, 64)
	hwm *= 1024
	live, _ := strconv.ParseInt(string(m[3]), 10, 64)
	t.Logf("child peak RSS %d MiB, peak live heap %d MiB, peak buffered %s bytes, MaxBufferedBytes %d MiB", hwm>>20, live>>20, m[2], memBudget>>20)
	peak, _ := strconv.ParseInt(string(m[2]), 10, 64)
	if peak > memBudget {
		t.Errorf("peak buffered = %d; want at most MaxBufferedBytes %d", peak, memBudget)
	}
	if raceEnabled {
		t.Log("race detector on: heap and RSS are not asserted (the detector multiplies memory)")
		return
	}
	heapLimit := int64(2*memBudget + 8<<20)
	if live > heapLimit {
		t.Errorf("peak live heap = %d MiB; want at most 2 × MaxBufferedBytes + 8 MiB = %d MiB", live>>20, heapLimit>>20)
	}
	if limit := 2*heapLimit + memBaseline; hwm > limit {
		t.Errorf("peak RSS = %d MiB; want at most 2 × the heap bound + %d MiB = %d MiB", hwm>>20, memBaseline>>20, limit>>20)
	}
}

func TestMemoryChild(t *testing.T) {
	addr := os.Getenv("LW_MEMORY_CHILD_BROKER")
	if addr == "" {
		t.Skip("run by TestMemoryBoundedWithLargeRecords")
	}
	opts := baseOptions(addr, "g-memory", HandlerFunc(invalid))
	opts.MaxBufferedBytes = memBudget
	heapPeak, stopHeap := sampleHeap()
	r := start(t, opts)
	testkit.WaitFor(t, 90*time.Second, "all committed", func() bool { return committed(t, addr, "g-memory", inTopic)[0] == memRecords })
	s := r.c.Stats()
	r.stop(t)
	stopHeap()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			t.Logf("VmHWM_KB=%s peak_buffered=%d peak_live_heap=%d", f[1], s.BufferedBytesPeak, heapPeak())
		}
	}
}

// sampleHeap samples the live Go heap (runtime/metrics /gc/heap/live:bytes,
// what the last garbage collection found reachable) until stop is called;
// peak returns the largest sample.
func sampleHeap() (peak func() uint64, stop func()) {
	var mu sync.Mutex
	var top uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			top = max(top, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
			mu.Lock()
			defer mu.Unlock()
			return top
		}, func() {
			close(done)
			<-stopped
		}
}
