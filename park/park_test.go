package park

import (
	"context"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestBookCounts(t *testing.T) {
	b := ForGeneration([]int{0, 1, 2}, []int{2})
	b.Add(0, "d1")
	b.Add(0, "d1")
	b.Add(1, "d1")
	b.Done(0, "d1")
	b.Done(0, "d2") // never added: stays absent
	for _, tt := range []struct {
		p      int
		tenant string
		want   int
	}{{0, "d1", 1}, {1, "d1", 1}, {0, "d2", 0}, {2, "d1", 0}} {
		if got := b.Count(tt.p, tt.tenant); got != tt.want {
			t.Errorf("Count(%d, %s) = %d; want %d", tt.p, tt.tenant, got, tt.want)
		}
	}
	if got := b.Total(); got != 2 {
		t.Errorf("Total() = %d; want 2", got)
	}
}

func TestBookWaitsForExpected(t *testing.T) {
	b := ForGeneration([]int{0, 1}, []int{1})
	if err := b.Wait(context.Background(), 1); err != nil {
		t.Errorf("Wait for a skipped partition = %v; want nil at once", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := b.Wait(ctx, 0); err == nil {
		t.Fatal("Wait before Ready returned nil")
	}
	b.Ready(0)
	b.Ready(0) // twice is fine
	if err := b.Wait(context.Background(), 0); err != nil {
		t.Errorf("Wait after Ready = %v", err)
	}
}

func TestBalancerKeepsThePartition(t *testing.T) {
	parts := []int{0, 1, 2, 3}
	for _, tt := range []struct {
		name    string
		headers []kafka.Header
		want    int
	}{
		{"named", []kafka.Header{{Key: HeaderPartition, Value: []byte("2")}}, 2},
		{"last one wins", []kafka.Header{{Key: HeaderPartition, Value: []byte("1")}, {Key: HeaderPartition, Value: []byte("3")}}, 3},
		{"absent", nil, (&kafka.Murmur2Balancer{}).Balance(kafka.Message{Key: []byte("k")}, parts...)},
		{"not a partition", []kafka.Header{{Key: HeaderPartition, Value: []byte("9")}}, (&kafka.Murmur2Balancer{}).Balance(kafka.Message{Key: []byte("k")}, parts...)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := (Balancer{}).Balance(kafka.Message{Key: []byte("k"), Headers: tt.headers}, parts...); got != tt.want {
				t.Errorf("Balance() = %d; want %d", got, tt.want)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	at := time.Date(2026, 12, 4, 15, 0, 0, 123, time.UTC)
	hs := []kafka.Header{{Key: HeaderUntil, Value: FormatTime(at)}, {Key: HeaderTimes, Value: []byte("3")}, {Key: "other", Value: []byte("x")}}
	if got := Time(hs, HeaderUntil); !got.Equal(at) {
		t.Errorf("Time() = %v; want %v", got, at)
	}
	if got := Time(hs, HeaderAt); !got.IsZero() {
		t.Errorf("Time() of an absent header = %v; want zero", got)
	}
	if got := Int(hs, HeaderTimes); got != 3 {
		t.Errorf("Int() = %d; want 3", got)
	}
	if !Own(HeaderTenant) || Own("other") {
		t.Error("Own() is wrong")
	}
}
