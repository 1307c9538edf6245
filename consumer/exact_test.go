package consumer

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// An empty value or header value stays empty, and a null one null, on the way
// from the input to the dead-letter and result topics.
func TestEmptyIsNotNull(t *testing.T) {
	t.Parallel()
	_, addr := newCluster(t, 1, inTopic, outTopic, dlqTopic)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(inTopic))
	if err != nil {
		t.Fatal(err)
	}
	in := []*kgo.Record{
		{Key: []byte("empty"), Value: []byte{}, Headers: []kgo.RecordHeader{{Key: "e", Value: []byte{}}, {Key: "n", Value: nil}}},
		{Key: []byte("null"), Value: nil, Headers: []kgo.RecordHeader{{Key: "v", Value: []byte("x")}}},
		{Key: []byte("result"), Value: []byte{}},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, in...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	cl.Close()

	h := HandlerFunc(func(_ context.Context, m *Message) (Outcome, error) {
		if string(m.Key) == "result" {
			return Outcome{Result: m.Value}, nil // the handler echoes an empty value
		}
		return Outcome{DeadLetter: letter("invalid", "not JSON")}, nil
	})
	start(t, baseOptions(addr, "g-empty", h))

	byKey := map[string]*kgo.Record{}
	for _, r := range rawRecords(t, addr, dlqTopic, 2) {
		byKey[string(r.Key)] = r
	}
	if v := byKey["empty"].Value; v == nil || len(v) != 0 {
		t.Errorf("dead letter of an empty value: value = %#v; want empty, not null", v)
	}
	if v := byKey["null"].Value; v != nil {
		t.Errorf("dead letter of a null value: value = %#v; want null", v)
	}
	hs := map[string][]byte{}
	for _, x := range byKey["empty"].Headers {
		hs[x.Key] = x.Value
	}
	if v, ok := hs["e"]; !ok || v == nil {
		t.Errorf("empty header = %#v; want empty, not null", v)
	}
	if v, ok := hs["n"]; !ok || v != nil {
		t.Errorf("null header = %#v; want null", v)
	}
	res := rawRecords(t, addr, outTopic, 1)
	if v := res[0].Value; v == nil || len(v) != 0 {
		t.Errorf("result of an empty value = %#v; want empty, not null", v)
	}
}
