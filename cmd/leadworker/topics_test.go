package main

import (
	"bytes"
	"context"
	"maps"
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
		"KAFKA_PARKED_TOPIC": "out.parked", "PARK_MAX_AGE": "96h", "KAFKA_BULK_ROUTE_TOPIC": "out.bulk",
	}
	var out, errOut bytes.Buffer
	if code := topicsCommand(ctx, []string{"create", "--partitions", "3", "--replication-factor", "1"}, &out, &errOut, lookupFrom(env)); code != 0 {
		t.Fatalf("topics create = %d\n%s%s", code, out.String(), errOut.String())
	}
	client := &kafka.Client{Addr: kafka.TCP(cluster.ListenAddrs()...)}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{"crm.existing", "out.results", "out.dlq", "out.route", "out.bulk", "out.parked"}})
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]int{}
	for _, tp := range meta.Topics {
		if tp.Error == nil {
			parts[tp.Name] = len(tp.Partitions)
		}
	}
	want := map[string]int{"crm.existing": 5, "out.results": 3, "out.dlq": 3, "out.route": 5, "out.bulk": 5, "out.parked": 5}
	for topic, n := range want {
		if parts[topic] != n {
			t.Errorf("%s has %d partitions; want %d", topic, parts[topic], n)
		}
	}
	cfgs, err := client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: "crm.existing", ConfigNames: []string{"max.message.bytes"}},
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: "out.dlq", ConfigNames: []string{"max.message.bytes", "cleanup.policy"}},
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: "out.route", ConfigNames: []string{"max.message.bytes"}},
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: "out.bulk", ConfigNames: []string{"max.message.bytes"}},
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: "out.parked", ConfigNames: []string{"max.message.bytes", "retention.ms"}},
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
	if got["out.parked retention.ms"] != strconv.FormatInt((8*24*time.Hour).Milliseconds(), 10) {
		t.Errorf("out.parked retention.ms = %s; want twice PARK_MAX_AGE (8 days)", got["out.parked retention.ms"])
	}
	for _, topic := range []string{"out.dlq", "out.route", "out.bulk", "out.parked"} {
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
			client := &kafka.Client{Addr: kafka.TCP(cluster.ListenAddrs()...), Transport: &kafka.Transport{}} // the default transport caches metadata
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

// TestTopicsCreateWarnsOfOtherGroups: the deployment of group shb set
// KAFKA_ROUTE_TOPIC to the old shared default while deployment sha's route
// group has offsets there: topics create says so (and still exits 0). Left
// unset, the route topic is shb.route, which nobody else consumes.
func TestTopicsCreateWarnsOfOtherGroups(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(2, "crm.events", "leadworker.route"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(cluster.ListenAddrs()...), Timeout: 10 * time.Second}
	for group, topic := range map[string]string{"sha": "crm.events", "sha.route": "leadworker.route", "shb": "crm.events"} {
		res, err := client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: group, GenerationID: -1,
			Topics: map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: 0}, {Partition: 1, Offset: 0}}}})
		if err != nil {
			t.Fatalf("commit for %s: %v", group, err)
		}
		for _, ps := range res.Topics {
			for _, p := range ps {
				if p.Error != nil {
					t.Fatalf("commit for %s: %v", group, p.Error)
				}
			}
		}
	}
	base := map[string]string{"KAFKA_BROKERS": strings.Join(cluster.ListenAddrs(), ","), "KAFKA_GROUP_ID": "shb",
		"KAFKA_RESULT_TOPIC": "shb.results", "KAFKA_DLQ_TOPIC": "shb.dlq"}
	tests := []struct {
		name     string
		route    string // KAFKA_ROUTE_TOPIC; "" unset
		want     []string
		wantNone string
	}{
		{name: "old default set", route: "leadworker.route", want: []string{
			"route topic leadworker.route is also consumed by group sha.route",
			"input topic crm.events is also consumed by group sha ",
		}},
		{name: "own default", wantNone: "route topic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := maps.Clone(base)
			if tt.route != "" {
				env["KAFKA_ROUTE_TOPIC"] = tt.route
			}
			var out, errOut bytes.Buffer
			if code := topicsCommand(ctx, []string{"create", "--partitions", "2", "--replication-factor", "1"}, &out, &errOut, lookupFrom(env)); code != 0 {
				t.Fatalf("topics create = %d\n%s%s", code, out.String(), errOut.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr = %q; want %q", errOut.String(), w)
				}
			}
			t.Logf("stderr:\n%s", errOut.String())
			if tt.wantNone != "" && strings.Contains(errOut.String(), tt.wantNone) {
				t.Errorf("stderr = %q; want no %q", errOut.String(), tt.wantNone)
			}
			if strings.Contains(errOut.String(), "group shb ") || strings.Contains(errOut.String(), "group shb.route") {
				t.Errorf("stderr = %q; the deployment's own groups are reported", errOut.String())
			}
		})
	}
	fresh := &kafka.Client{Addr: client.Addr, Transport: &kafka.Transport{}} // the default transport caches metadata
	meta, err := fresh.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{"shb.route"}})
	if err != nil || len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		t.Errorf("metadata of shb.route = %+v, %v; want it created with KAFKA_ROUTE_TOPIC unset", meta, err)
	}
}
