package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestTopicsCreate: topics create makes the four topics from the worker's
// environment, sizes the dead-letter and route topics for the input plus
// headers, gives the route topic the input's partition count, and leaves an
// existing topic as it is.
func TestTopicsCreate(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(5, "crm.existing"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	env := map[string]string{
		"KAFKA_BROKERS": strings.Join(cluster.ListenAddrs(), ","), "KAFKA_INPUT_TOPICS": "crm.existing",
		"KAFKA_RESULT_TOPIC": "out.results", "KAFKA_DLQ_TOPIC": "out.dlq", "KAFKA_ROUTE_TOPIC": "out.route",
	}
	var out, errOut bytes.Buffer
	if code := topicsCommand(ctx, []string{"create", "--partitions", "3", "--replication-factor", "1"}, &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("topics create = %d\n%s%s", code, out.String(), errOut.String())
	}
	client := &kafka.Client{Addr: kafka.TCP(cluster.ListenAddrs()...)}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{"crm.existing", "out.results", "out.dlq", "out.route"}})
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]int{}
	for _, tp := range meta.Topics {
		if tp.Error == nil {
			parts[tp.Name] = len(tp.Partitions)
		}
	}
	want := map[string]int{"crm.existing": 5, "out.results": 3, "out.dlq": 3, "out.route": 5}
	for topic, n := range want {
		if parts[topic] != n {
			t.Errorf("%s has %d partitions; want %d", topic, parts[topic], n)
		}
	}
	cfgs, err := client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: "crm.existing", ConfigNames: []string{"max.message.bytes"}},
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: "out.dlq", ConfigNames: []string{"max.message.bytes", "cleanup.policy"}},
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: "out.route", ConfigNames: []string{"max.message.bytes"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range cfgs.Resources {
		for _, e := range r.ConfigEntries {
			got[r.ResourceName+" "+e.ConfigName] = e.ConfigValue
		}
	}
	in, err := strconv.Atoi(got["crm.existing max.message.bytes"])
	if err != nil {
		t.Fatalf("input max.message.bytes %q", got["crm.existing max.message.bytes"])
	}
	for _, topic := range []string{"out.dlq", "out.route"} {
		if got[topic+" max.message.bytes"] != strconv.Itoa(in+64<<10) {
			t.Errorf("%s max.message.bytes = %s; want the input's %d + 64 KiB", topic, got[topic+" max.message.bytes"], in)
		}
	}
	if got["out.dlq cleanup.policy"] != "delete" {
		t.Errorf("out.dlq cleanup.policy = %q; want delete", got["out.dlq cleanup.policy"])
	}
	if !strings.Contains(out.String(), "exists, left as it is") {
		t.Errorf("output does not say the input existed:\n%s", out.String())
	}
}

// TestTopicsCreateRefusesBadFlags: a partition count that is not positive, a
// replication factor that is neither -1 nor positive, and arguments that are
// not flags exit 2 and create nothing (before, --partitions -3 created 12).
func TestTopicsCreateRefusesBadFlags(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	env := map[string]string{"KAFKA_BROKERS": strings.Join(cluster.ListenAddrs(), ","), "KAFKA_INPUT_TOPICS": "in", "KAFKA_RESULT_TOPIC": "out", "KAFKA_DLQ_TOPIC": "dlq"}
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{name: "negative partitions", args: []string{"create", "--partitions", "-3"}, want: "--partitions -3"},
		{name: "zero partitions", args: []string{"create", "--partitions", "0"}, want: "--partitions 0"},
		{name: "extra argument", args: []string{"create", "--partitions", "3", "extra"}, want: "extra"},
		{name: "argument before the flags", args: []string{"create", "now", "--partitions", "3"}, want: "now"},
		{name: "zero replication factor", args: []string{"create", "--replication-factor", "0"}, want: "--replication-factor 0"},
		{name: "negative min insync", args: []string{"create", "--min-insync-replicas", "-1"}, want: "--min-insync-replicas -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			if code := topicsCommand(ctx, tt.args, &out, &errOut, lookupFrom(env)); code != 2 || !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("topics %q = %d, stderr %q; want 2 naming %s", tt.args, code, errOut.String(), tt.want)
			}
			client := &kafka.Client{Addr: kafka.TCP(cluster.ListenAddrs()...)}
			meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{"in", "out", "dlq"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, tp := range meta.Topics {
				if tp.Error == nil {
					t.Errorf("topic %s was created", tp.Name)
				}
			}
		})
	}
}
