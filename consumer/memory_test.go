package consumer

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The memory test runs the consumer in a child process (this test binary,
// running TestMemoryChild) so that its peak RSS is not the embedded broker's,
// which holds every record in memory.
const (
	memRecords  = 60
	memSize     = 3_000_000
	memBudget   = 32 << 20
	memBaseline = 64 << 20 // Go runtime, kafka-go, test binary
)

// Sixty 3 MB invalid records held RSS at 445 MB when only the record count
// was bounded. With MaxBufferedBytes the child's peak RSS stays within
// 2 × MaxBufferedBytes plus a fixed base.
func TestMemoryBoundedWithLargeRecords(t *testing.T) {
	if testing.Short() {
		t.Skip("produces 180 MB")
	}
	t.Parallel()
	addr := newBareCluster(t)
	createTopic(t, addr, inTopic, 1, map[string]string{"max.message.bytes": strconv.Itoa(4 << 20)})
	createTopic(t, addr, outTopic, 1, nil)
	createTopic(t, addr, dlqTopic, 1, map[string]string{"max.message.bytes": strconv.Itoa(5 << 20)})
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
	m := regexp.MustCompile(`VmHWM_KB=(\d+) peak_buffered=(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("child printed no measurement:\n%s", out)
	}
	hwm, _ := strconv.ParseInt(string(m[1]), 10, 64)
	hwm *= 1024
	t.Logf("child peak RSS %d MiB, peak buffered %s bytes, MaxBufferedBytes %d MiB", hwm>>20, m[2], memBudget>>20)
	if raceEnabled {
		t.Log("race detector on: RSS is not asserted (the detector multiplies memory)")
		return
	}
	if limit := int64(2*memBudget + memBaseline); hwm > limit {
		t.Errorf("peak RSS = %d MiB; want at most 2 × MaxBufferedBytes + %d MiB = %d MiB", hwm>>20, memBaseline>>20, limit>>20)
	}
}

func TestMemoryChild(t *testing.T) {
	addr := os.Getenv("LW_MEMORY_CHILD_BROKER")
	if addr == "" {
		t.Skip("run by TestMemoryBoundedWithLargeRecords")
	}
	opts := baseOptions(addr, "g-memory", HandlerFunc(invalid))
	opts.MaxBufferedBytes = memBudget
	r := start(t, opts)
	waitFor(t, 90*time.Second, "all committed", func() bool { return committed(t, addr, "g-memory", inTopic)[0] == memRecords })
	s := r.c.Stats()
	r.stop(t)
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			t.Logf("VmHWM_KB=%s peak_buffered=%d", f[1], s.BufferedBytesPeak)
		}
	}
}
