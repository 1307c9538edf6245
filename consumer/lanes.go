package consumer

import "sync"

// lanes runs records concurrently while keeping records with the same
// ordering key in order: the first record of a key starts a lane, on a
// worker, that then works through that key's queue; later records of the key
// wait in it.
type lanes struct {
	mu      sync.Mutex
	queues  map[string][]*record // key -> records waiting behind the running one
	wg      sync.WaitGroup
	run     func(*record)
	workers *workers
}

func newLanes(w *workers, run func(*record)) *lanes {
	return &lanes{queues: make(map[string][]*record), run: run, workers: w}
}

// dispatch queues r behind earlier records of the same key, or starts it.
func (l *lanes) dispatch(key string, r *record) {
	l.mu.Lock()
	if q, busy := l.queues[key]; busy {
		l.queues[key] = append(q, r)
		l.mu.Unlock()
		return
	}
	l.queues[key] = nil
	l.mu.Unlock()

	l.wg.Add(1)
	l.workers.run(func() {
		defer l.wg.Done()
		for next := r; next != nil; next = l.pop(key) {
			l.run(next)
		}
	})
}

// pop takes the next record of key, or retires the key when its queue is empty.
func (l *lanes) pop(key string) *record {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.queues[key]
	if len(q) == 0 {
		delete(l.queues, key)
		return nil
	}
	l.queues[key] = q[1:]
	return q[0]
}

// wait blocks until every started lane has finished.
func (l *lanes) wait() { l.wg.Wait() }
