package topiccheck

import (
	"slices"
	"sync"
)

// Watch holds the findings of a periodic check; it is safe for concurrent
// use.
type Watch struct {
	mu       sync.Mutex
	problems []string
	gone     map[string]string // output topics seen re-created, until a restart
}

// Set replaces the problems found.
func (w *Watch) Set(p []string) {
	w.mu.Lock()
	w.problems = p
	w.mu.Unlock()
}

// Recreated lists topic as re-created, with problem, until a restart; it
// reports whether it was not listed yet.
func (w *Watch) Recreated(topic, problem string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.gone == nil {
		w.gone = make(map[string]string)
	}
	if _, ok := w.gone[topic]; ok {
		return false
	}
	w.gone[topic] = problem
	return true
}

// Snapshot returns the problems found and the topics re-created.
func (w *Watch) Snapshot() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := slices.Clone(w.problems)
	for _, p := range w.gone {
		out = append(out, p)
	}
	return out
}
