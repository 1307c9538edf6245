package kafkaadmin

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/sirupsen/logrus/hooks/test"
	"github.com/twmb/franz-go/pkg/kfake"
)

func TestLagWatcherReachability(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "in"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	log, _ := test.NewNullLogger()
	newWatcher := func(addr string) *LagWatcher {
		return NewLagWatcher(LagOptions{Brokers: []string{addr}, GroupID: "g", Topics: []string{"in"}, Interval: time.Hour, Logger: log})
	}

	up := newWatcher(cluster.ListenAddrs()[0])
	if err := up.probe(context.Background()); err != nil {
		t.Fatalf("probe of a live broker: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	cluster.Close()
	if err := up.probe(context.Background()); err == nil {
		t.Error("probe of a closed broker succeeded")
	}
	down := newWatcher(addr)
	if !down.Reachable() {
		t.Fatal("a watcher that has not refreshed yet reports unreachable")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go down.Run(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for down.Reachable() {
		if time.Now().After(deadline) {
			t.Fatal("watcher of a broker that does not answer still reports reachable")
		}
		time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
	}
}
