package route

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

func TestRouteCountBalance(t *testing.T) {
	t.Parallel()
	r := NewCount()
	msg := kafka.Message{Key: []byte("smith")}
	all := []int{0, 1, 2, 3, 4, 5, 6, 7}
	if got, want := r.Balance(msg, all...), (&kafka.Murmur2Balancer{}).Balance(msg, all...); got != want {
		t.Errorf("Balance() without a count = %d; want murmur2 over every partition, %d", got, want)
	}
	r.Set(4)
	for i := range 50 {
		msg := kafka.Message{Key: []byte("key-" + strconv.Itoa(i))}
		got := r.Balance(msg, all...)
		if want := (&kafka.Murmur2Balancer{}).Balance(msg, all[:4]...); got != want {
			t.Fatalf("Balance(%s) = %d; want murmur2 over the first 4 partitions, %d", msg.Key, got, want)
		}
	}
	if !r.Hold() || r.Hold() || !r.Held() {
		t.Fatal("hold() twice: want true, then false, and held")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := r.Wait(ctx); err == nil {
		t.Error("wait() while held = nil; want the context's error")
	}
	r.Set(8)
	if err := r.Wait(context.Background()); err != nil || r.Held() || r.N() != 8 {
		t.Errorf("after set(8): wait() = %v, held %v, count %d", err, r.Held(), r.N())
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range []Carried{
		{Topic: "crm.events", Partition: 4, Offset: 77, Key: []byte("DMS-1"), Group: "prod", Epoch: 1765000000000},
		{Topic: "crm.events", Partition: 0, Offset: 0, Key: []byte{}, Group: "prod"},
		{Topic: "crm.events", Partition: 1, Offset: 9},
	} {
		hs := Headers(c)
		keys, values := make([]string, len(hs)), make([][]byte, len(hs))
		for i, h := range hs {
			keys[i], values[i] = h.Key, h.Value
		}
		got, ok := Parse(keys, values)
		if !ok || got.Topic != c.Topic || got.Partition != c.Partition || got.Offset != c.Offset || got.Group != c.Group || got.Epoch != c.Epoch ||
			string(got.Key) != string(c.Key) || (got.Key == nil) != (c.Key == nil) {
			t.Errorf("Parse(Headers(%+v)) = %+v, %v", c, got, ok)
		}
	}
	if _, ok := Parse([]string{HeaderTopic}, [][]byte{[]byte("t")}); ok {
		t.Error("Parse() of incomplete headers = ok")
	}
}

func TestAlignedAssignsOneIdentityToOneMember(t *testing.T) {
	t.Parallel()
	var parts []kafka.Partition
	for _, topic := range []string{"g.route", "g.parked"} {
		for _, id := range []int{5, 3, 0, 4, 1, 2} { // unsorted, as the broker may list them
			parts = append(parts, kafka.Partition{Topic: topic, ID: id})
		}
	}
	members := []kafka.GroupMember{
		{ID: "m-c", Topics: []string{"g.route", "g.parked"}},
		{ID: "m-a", Topics: []string{"g.route", "g.parked"}},
		{ID: "m-b", Topics: []string{"g.route", "g.parked"}},
	}
	got := Aligned{}.AssignGroups(members, parts)
	seen := map[int]string{}
	for member, topics := range got {
		if m := Misaligned(topics, []string{"g.route", "g.parked"}); len(m) > 0 {
			t.Errorf("%s: misaligned %v", member, m)
		}
		for _, id := range topics["g.route"] {
			if other, ok := seen[id]; ok {
				t.Errorf("partition %d assigned to %s and %s", id, other, member)
			}
			seen[id] = member
		}
	}
	if len(seen) != 6 {
		t.Errorf("%d route partitions assigned; want 6", len(seen))
	}
}

func TestMisaligned(t *testing.T) {
	t.Parallel()
	co := []string{"r", "p"}
	tests := []struct {
		name     string
		assigned map[string][]int
		want     map[string][]int
	}{
		{"aligned", map[string][]int{"r": {0, 1}, "p": {1, 0}}, map[string][]int{}},
		{"one topic only", map[string][]int{"r": {0, 1}}, map[string][]int{"r": {0, 1}}},
		{"nothing", map[string][]int{}, map[string][]int{}},
		{"a rolling deploy", map[string][]int{"r": {0, 1}, "p": {1, 2}}, map[string][]int{"r": {0}, "p": {2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Misaligned(tt.assigned, co)
			if len(got) != len(tt.want) {
				t.Fatalf("Misaligned() = %v; want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if strconv.Quote(fmt.Sprint(got[k])) != strconv.Quote(fmt.Sprint(v)) {
					t.Errorf("Misaligned()[%s] = %v; want %v", k, got[k], v)
				}
			}
		})
	}
}
