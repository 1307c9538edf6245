package integration

import (
	"testing"
)

// TestSIGKILLQuietPartitionKeepsAnsweredSkip: a partition that got one event and then nothing
// must not turn the answered-work skip off for the others. Partition b answers one event and
// goes quiet; partition a answers 196, then one search hangs and 9 more are answered above it;
// the worker is killed more than 5 s after b's event (and after a's burst). The worker that
// takes over, with ANSWERED_SCAN_MAX_RECORDS=100, reads a window that starts at the positions
// the commits recorded: b's, had it recorded them only when its event was answered, would put
// the window at about 206 records, past the bound, and all 9 would be handled (their leads
// saved) again. b commits its unmoved offset again with fresh positions (and, caught up, need
// not bound the window at all), so the window is about 10 records: the 9 are skipped and no
// lead is saved twice.
//
// With identity routing (the default) the quiet partition is a route partition.
func TestSIGKILLQuietPartitionKeepsAnsweredSkip(t *testing.T) {
	takeoverTest(t, "answers about 200 events and waits for a quiet partition's refresh")
	for _, tc := range []struct {
		name    string
		routing bool
	}{{"routing", true}, {"no routing", false}} {
		t.Run(tc.name, func(t *testing.T) {
			r := runHang(t, hangCase{routing: tc.routing, quiet: true, before: 196, after: 9})
			r.restart(t, map[string]string{"ANSWERED_SCAN_MAX_RECORDS": "100"})
			r.check(t, len(r.afterEvs), nil)
		})
	}
}

// TestSIGKILLAfterBurstKeepsAnsweredSkip: a burst must not leave its partition's commit
// recording the output positions of the burst's start. Partition a answers a burst of 196
// events and commits them all; its next event's search hangs at once, 9 more are answered
// above it, and the worker is killed at once, long before the 5 s refresh of an unmoved
// offset. Nothing above offset 196 had been fetched until the hung event, so positions read
// when it is fetched are valid for the commit of 196. The takeover, with
// ANSWERED_SCAN_MAX_RECORDS=100, must read about 10 records and skip the 9; positions from the
// burst's start would open a window of about 205, and the 9 would be handled (their leads
// saved) again.
func TestSIGKILLAfterBurstKeepsAnsweredSkip(t *testing.T) {
	takeoverTest(t, "answers about 200 events")
	for _, tc := range []struct {
		name    string
		routing bool
	}{{"routing", true}, {"no routing", false}} {
		t.Run(tc.name, func(t *testing.T) {
			r := runHang(t, hangCase{routing: tc.routing, before: 196, after: 9})
			r.restart(t, map[string]string{"ANSWERED_SCAN_MAX_RECORDS": "100"})
			r.check(t, len(r.afterEvs), nil)
		})
	}
}
