package integration

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// The Docker path of the suite runs Kafka with testcontainers-go in the image scripts/images.sh
// builds (Apache Kafka from Maven Central jars; no pull). Any Docker API works: Docker itself, or
// podman's (`podman system service`, DOCKER_HOST=unix://…, TESTCONTAINERS_RYUK_DISABLED=true;
// scripts/podman-socket.sh does both).
//
// testcontainers' Kafka module expects confluent-local's scripts, so this is a GenericContainer
// that does what the module does: the broker waits for a file with its advertised listeners,
// which a post-start hook writes once the mapped port is known.
const defaultKafkaImage = "localhost/kafka:4.4"

// kafkaImage is LEADWORKER_IT_KAFKA_IMAGE, else defaultKafkaImage.
func kafkaImage() string {
	if img := os.Getenv("LEADWORKER_IT_KAFKA_IMAGE"); img != "" {
		return img
	}
	return defaultKafkaImage
}

// requireDocker skips t with one line when no Docker API answers or the default Kafka image
// has not been built, or fails it when LEADWORKER_REQUIRE_CONTAINERS=1 (CI). An image named in
// LEADWORKER_IT_KAFKA_IMAGE may be pulled.
func requireDocker(t *testing.T) {
	t.Helper()
	err := dockerHealth()
	if err != nil {
		err = fmt.Errorf("no Docker API (DOCKER_HOST=%q; scripts/podman-socket.sh starts podman's): %w", os.Getenv("DOCKER_HOST"), err)
	} else if os.Getenv("LEADWORKER_IT_KAFKA_IMAGE") == "" {
		err = imagePresent(defaultKafkaImage)
	}
	if err == nil {
		return
	}
	if os.Getenv("LEADWORKER_REQUIRE_CONTAINERS") == "1" {
		t.Fatalf("%v (LEADWORKER_REQUIRE_CONTAINERS=1)", err)
	}
	t.Skipf("skipped: %v", err)
}

// imagePresent returns an error unless the Docker API holds image.
func imagePresent(image string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	if _, err := cli.ImageInspect(ctx, image); err != nil {
		return fmt.Errorf("image %s is not built (scripts/images.sh kafka): %w", image, err)
	}
	return nil
}

func dockerHealth() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("docker provider: %v", r)
		}
	}()
	p, err := testcontainers.ProviderDocker.GetProvider()
	if err != nil {
		return err
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.Health(ctx)
}

// The testcontainers broker is started once and shared by every test of the run; TestMain
// terminates it.
var shared struct {
	once sync.Once
	ctr  testcontainers.Container
	b    *broker
	err  error
}

// containerBroker starts (once) a Kafka container, or skips t when Docker is not usable.
func containerBroker(t *testing.T) *broker {
	t.Helper()
	requireDocker(t)
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		shared.ctr, shared.b, shared.err = startKafkaContainer(ctx, kafkaImage())
	})
	if shared.err != nil {
		t.Fatalf("start Kafka container %s (built by scripts/images.sh): %v", kafkaImage(), shared.err)
	}
	return shared.b
}

const (
	kafkaPort       = "9092/tcp" // PLAINTEXT, advertised as the mapped host port
	advertisedFile  = "/var/lib/kafka/advertised-listeners"
	kafkaStartedLog = "Kafka Server started"
)

// startKafkaContainer runs image with bridge networking and a mapped port; the broker advertises
// host:mapped-port to clients and its own loopback listener to itself.
func startKafkaContainer(ctx context.Context, image string) (testcontainers.Container, *broker, error) {
	req := testcontainers.ContainerRequest{
		Image:        image,
		ExposedPorts: []string{kafkaPort},
		Env: map[string]string{
			"KAFKA_LISTENERS":                      "PLAINTEXT://:9092,BROKER://127.0.0.1:9094,CONTROLLER://127.0.0.1:9093",
			"KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT",
			"KAFKA_INTER_BROKER_LISTENER_NAME":     "BROKER",
			"KAFKA_CONTROLLER_QUORUM_VOTERS":       "1@127.0.0.1:9093",
			"KAFKA_ADVERTISED_LISTENERS_FILE":      advertisedFile,
		},
		LifecycleHooks: []testcontainers.ContainerLifecycleHooks{{
			PostStarts: []testcontainers.ContainerHook{func(ctx context.Context, c testcontainers.Container) error {
				host, err := c.Host(ctx)
				if err != nil {
					return err
				}
				port, err := c.MappedPort(ctx, kafkaPort)
				if err != nil {
					return err
				}
				adv := fmt.Sprintf("PLAINTEXT://%s:%s,BROKER://127.0.0.1:9094\n", host, port.Port())
				return c.CopyToContainer(ctx, []byte(adv), advertisedFile, 0o644)
			}},
		}},
		WaitingFor: wait.ForLog(kafkaStartedLog).WithStartupTimeout(2 * time.Minute),
	}
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{ContainerRequest: req, Started: true})
	if err != nil {
		if c != nil {
			_ = testcontainers.TerminateContainer(c)
		}
		return nil, nil, err
	}
	host, err := c.Host(ctx)
	if err != nil {
		return c, nil, err
	}
	port, err := c.MappedPort(ctx, kafkaPort)
	if err != nil {
		return c, nil, err
	}
	return c, &broker{kind: kindTestcontainers, addrs: []string{host + ":" + port.Port()}}, nil
}

func stopSharedContainer() {
	if shared.ctr != nil {
		if err := testcontainers.TerminateContainer(shared.ctr); err != nil {
			fmt.Fprintln(os.Stderr, "integration: terminate Kafka container:", err)
		}
	}
}
