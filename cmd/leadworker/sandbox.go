package main

import (
	"fmt"
	"net/http/httptest"

	"github.com/leadworker/leadworker/mykaarma/mykaarmatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

// sandbox is an embedded Kafka broker and a fake myKaarma in this process:
// what demo and bench run the real pipeline against.
type sandbox struct {
	cluster *kfake.Cluster
	fake    *mykaarmatest.Server
	api     *httptest.Server
}

// newSandbox starts both, seeds the topics with partitions each, and points
// cfg's brokers, base URL and credentials at them.
func newSandbox(cfg *config, partitions int, topics ...string) (*sandbox, error) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(int32(partitions), topics...))
	if err != nil {
		return nil, fmt.Errorf("embedded kafka: %w", err)
	}
	const user, password = "sandbox", "sandbox-password"
	fake := mykaarmatest.New(mykaarmatest.Options{Username: user, Password: password})
	api := httptest.NewServer(fake)
	cfg.Brokers = cluster.ListenAddrs()
	cfg.BaseURL, cfg.Username, cfg.Password = api.URL, user, password
	return &sandbox{cluster: cluster, fake: fake, api: api}, nil
}

// close releases hanging fake calls, then stops the server and the broker.
func (s *sandbox) close() {
	s.fake.Close()
	s.api.Close()
	s.cluster.Close()
}
