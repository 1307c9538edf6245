package integration

import (
	"slices"
	"testing"
)

// TestSIGKILLResultsDeletedKeepsAnsweredSkip: retention deleting the start of the output
// window after a crash must not turn the answered-work skip off. Partition a answers one
// event and commits, then its next event's search hangs; partition b answers 40 events and
// commits them all; 9 more events on a are answered above the hung one; the worker is killed.
// a's commit recorded the output positions from before the hang, so the window the next
// worker reads starts below b's 40 results. Those are deleted (DeleteRecords, as retention
// does) before the restart:
//
//   - "below answered": every result below the first result of the 9. All 9 still have
//     their result, and all 9 must be skipped.
//   - "into answered": also about half of the 9's results. Those whose result is still there
//     must be skipped; those whose result is gone may be handled again, and no other.
//
// Reading from the recorded positions hits records that are gone (OFFSET_OUT_OF_RANGE); the
// window starts at the log start instead. Kafka answers that error without the log start
// offset (the embedded broker sends it), so only a run on Kafka shows a worker that relies on
// the error's answer.
func TestSIGKILLResultsDeletedKeepsAnsweredSkip(t *testing.T) {
	takeoverTest(t, "a SIGKILL and a takeover per case (about 13 s)")
	for _, tc := range []struct {
		name          string
		routing, into bool
	}{
		{"below answered", false, false},
		{"into answered", false, true},
		{"routing below answered", true, false},
		{"routing into answered", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runHang(t, hangCase{routing: tc.routing, before: 1, busy: 40, after: 9})
			kept, lost := r.trimResults(t, tc.into)
			r.restart(t, nil)
			r.check(t, kept, lost)
		})
	}
}

// trimResults deletes the result records below the first result of the events answered above
// the hung one, or with into below the middle one of them in each result partition. It fails
// t unless that deletes records inside the window the recorded positions start, and returns
// how many of those events keep their result and the leadIds of those whose result is gone.
func (r *hangRun) trimResults(t *testing.T, into bool) (int, map[string]bool) {
	t.Helper()
	after := map[string]bool{}
	for _, e := range r.afterEvs {
		after[e.ID] = true
	}
	results, _ := r.out.snapshot()
	byPart := map[int][]output{}
	for _, o := range results {
		if after[o.EventID] {
			byPart[o.Partition] = append(byPart[o.Partition], o)
		}
	}
	// A result partition none of them went to holds only results of committed events.
	below := partitionEnds(t, r.b, r.tp.Result, r.tp.Partitions)
	for p, os := range byPart {
		slices.SortFunc(os, func(a, b output) int { return int(a.Offset - b.Offset) })
		k := 0
		if into {
			k = len(os) / 2
		}
		below[p] = os[k].Offset
	}
	reach := false
	for p := range below {
		for _, c := range r.atKill {
			if pos := metaPositions(c.Metadata)[r.tp.Result]; p < len(pos) && pos[p] < below[p] {
				reach = true
			}
		}
	}
	if !reach {
		t.Fatalf("deleting results below %v deletes nothing inside the window the commits %v recorded; the test shows nothing", below, r.atKill)
	}
	deleteRecordsBelow(t, r.b, r.tp.Result, below)
	kept, lost := 0, map[string]bool{}
	for _, e := range r.afterEvs {
		for _, o := range results {
			if o.EventID != e.ID {
				continue
			}
			if o.Offset >= below[o.Partition] {
				kept++
			} else {
				lost[leadIDOf(e.Value)] = true
			}
		}
	}
	t.Logf("deleted the results below %v; of the %d answered above the hung event %d keep their result", below, len(r.afterEvs), kept)
	return kept, lost
}
