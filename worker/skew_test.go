package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/leadworker/leadworker/handlers"
	"github.com/leadworker/leadworker/internal/testkit"
	"github.com/leadworker/leadworker/mykaarma"
	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/sandbox"
	"github.com/leadworker/leadworker/schemas"
	"github.com/leadworker/leadworker/worker"
)

// TestOneLastNameDoesNotSerialiseUnrelatedCustomers: identity routing puts
// every Smith of a department on one route partition, but two Smiths who
// share no customerKey, phone, email or VIN are still handled at the same
// time there: both are inside myKaarma at once.
func TestOneLastNameDoesNotSerialiseUnrelatedCustomers(t *testing.T) {
	// A hang lasts until released (or one long call timeout): the second Smith has time to
	// arrive while the first is still hanging, however slow the machine.
	p := startPipeline(t, func(c *worker.Config) { c.CallTimeout = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	smiths := leadEvents(t, "smith", 2)
	var evs []*schemas.Event
	for i := range smiths {
		var v map[string]any
		if err := json.Unmarshal(smiths[i].Value, &v); err != nil {
			t.Fatal(err)
		}
		lead := v["lead"].(map[string]any)
		lead["customer"].(map[string]any)["lastName"] = "Smith"
		lead["vehicle"].(map[string]any)["vin"] = []string{"1HGCV1F34LA000001", "5YJ3E1EA7KF000002"}[i] // not one car
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		smiths[i].Value = b
		ev, err := schemas.Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	h, err := handlers.New(handlers.Options{API: &mykaarma.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	k0, k1 := h.Identify(evs[0]).RoutingKey, h.Identify(evs[1]).RoutingKey
	if string(k0) != string(k1) {
		t.Fatalf("the two Smiths route apart (%s, %s); the test needs them on one route partition", k0, k1)
	}

	// Both searches hang until the client gives up: if the two Smiths ran one
	// after the other, only one would ever be hanging.
	p.fake.AddFault(mykaarmatest.Fault{Op: mykaarmatest.OpSearch, Hang: true, Times: 2})
	if err := sandbox.Produce(ctx, p.cfg, smiths); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, 20*time.Second, "both Smiths to be inside myKaarma at once", func() bool { return p.fake.Hanging() == 2 })
	p.fake.ReleaseHanging() // each search is retried, and answered
	if err := p.outputs.WaitFor(ctx, 2, nil); err != nil {
		t.Fatal(err)
	}
}
