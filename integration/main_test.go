// Package integration runs the built leadworker binary as a separate process against a Kafka
// broker and the fake myKaarma, and checks the worker's promises from the outside: exactly one
// output per input at least (no loss), no customer created twice, bad input dead-lettered with
// its original bytes, recovery from crashes, rebalances, myKaarma faults, broker outages and
// refused credentials.
//
// The broker is chosen per run (see newBroker):
//
//	LEADWORKER_IT_BROKERS=host:port  an external broker (CI: scripts/kafka-local.sh start)
//	LEADWORKER_IT_DOCKER=1           a testcontainers-go container of localhost/kafka:4.4, built by
//	                                 scripts/images.sh (or LEADWORKER_IT_KAFKA_IMAGE); skips without
//	                                 a Docker API or the image (container_test.go)
//	neither                          the embedded franz-go kfake broker, one per test
//
// The suite never uses KAFKA_BROKERS, which a user running leadworker may
// have exported for the worker itself.
//
// LEADWORKER_IT_COMPOSE=1 runs docker-compose.yml end to end (compose_e2e_test.go). Container
// tests that cannot run skip with one line; LEADWORKER_REQUIRE_CONTAINERS=1 makes them fail.
//
// LEADWORKER_IT_BIN=path/to/leadworker runs the suite against that binary instead of building
// ../cmd/leadworker (an older version, to see a new test fail on it).
//
// LEADWORKER_IT_KAFKA_SCRIPT=path/to/scripts/kafka-local.sh enables the broker-outage test,
// which stops and starts that external broker.
//
// Tests run one after another (no t.Parallel): they share one real broker, and the outage test
// stops it. Topic and group names carry a per-test suffix so runs never see each other's data.
package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// workerBin is the leadworker binary TestMain builds once.
var workerBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "leadworker-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if bin := os.Getenv("LEADWORKER_IT_BIN"); bin != "" {
		// A binary built elsewhere (an older version, to see a test fail on it).
		workerBin = bin
		code := m.Run()
		stopSharedContainer()
		return code
	}
	workerBin = filepath.Join(dir, "leadworker")
	build := exec.Command("go", "build", "-o", workerBin, "../cmd/leadworker")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "integration: go build ../cmd/leadworker:", err)
		return 1
	}
	code := m.Run()
	stopSharedContainer()
	return code
}
