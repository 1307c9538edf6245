package watermark

import (
	"testing"
	"time"
)

func TestWatermark(t *testing.T) {
	tests := []struct {
		name     string
		fetched  []int64
		finished []int64
		want     int64
		wantOK   bool
		inFlight int
	}{
		{name: "nothing fetched", wantOK: false},
		{name: "fetched, nothing finished", fetched: []int64{5, 6}, wantOK: false, inFlight: 2},
		{name: "all finished in order", fetched: []int64{5, 6, 7}, finished: []int64{5, 6, 7}, want: 8, wantOK: true},
		{name: "head unfinished holds the commit", fetched: []int64{5, 6, 7}, finished: []int64{6, 7}, wantOK: false, inFlight: 3},
		{name: "middle unfinished", fetched: []int64{5, 6, 7}, finished: []int64{5, 7}, want: 6, wantOK: true, inFlight: 2},
		{name: "out of order then gap closes", fetched: []int64{5, 6, 7}, finished: []int64{7, 6, 5}, want: 8, wantOK: true},
		{name: "offset gaps from compaction", fetched: []int64{10, 14, 20}, finished: []int64{10, 14}, want: 15, wantOK: true, inFlight: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := New()
			for _, o := range tt.fetched {
				w.Add(o, time.Time{})
			}
			for _, o := range tt.finished {
				w.Finish(o)
			}
			got, ok := w.CommitPoint()
			if ok != tt.wantOK || (ok && got != tt.want) {
				t.Errorf("commitPoint() = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
			if n := w.InFlight(); n != tt.inFlight {
				t.Errorf("inFlight() = %d; want %d", n, tt.inFlight)
			}
		})
	}
}
