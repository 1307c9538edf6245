package sandbox

import (
	"fmt"
	"net/http/httptest"
	"slices"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/leadworker/leadworker/worker"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Sandbox is an embedded Kafka broker and a fake myKaarma in this process:
// what demo and bench run the real pipeline against.
type Sandbox struct {
	cluster *kfake.Cluster
	Fake    *mykaarmatest.Server
	api     *httptest.Server
}

// New starts both, seeds the topics with partitions each (with cfg's parked
// topic when there are any, and its bulk route topic with its route topic), and points cfg's brokers, base URL and credentials at them.
func New(cfg *worker.Config, partitions int, topics ...string) (*Sandbox, error) {
	if len(topics) > 0 && cfg.ParkedTopic != "" && !slices.Contains(topics, cfg.ParkedTopic) {
		topics = append(slices.Clone(topics), cfg.ParkedTopic)
	}
	if cfg.BulkRouteTopic != "" && slices.Contains(topics, cfg.RouteTopic) && !slices.Contains(topics, cfg.BulkRouteTopic) {
		topics = append(slices.Clone(topics), cfg.BulkRouteTopic)
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(partitions), topics...))
	if err != nil {
		return nil, fmt.Errorf("embedded kafka: %w", err)
	}
	const user, password = "sandbox", "sandbox-password"
	fake := mykaarmatest.New(mykaarmatest.Options{Username: user, Password: password})
	api := httptest.NewServer(fake)
	cfg.Brokers = cluster.ListenAddrs()
	cfg.BaseURL, cfg.Username, cfg.Password = api.URL, user, password
	return &Sandbox{cluster: cluster, Fake: fake, api: api}, nil
}

// Close releases hanging fake calls, then stops the server and the broker.
func (s *Sandbox) Close() {
	s.Fake.Close()
	s.api.Close()
	s.cluster.Close()
}
