// Package deploy holds no code of its own: its tests check the Kubernetes
// manifests, the Prometheus rules and the Grafana dashboard beside it against
// the worker they deploy and observe.
package deploy
