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
