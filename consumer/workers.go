package consumer

import "sync"

// workers runs lanes on goroutines that are kept and reused rather than
// started per lane. A lane's work goes deep (JSON Schema validation, JSON,
// HTTP), so a new goroutine would grow its stack, copying it, several times
// per record; a kept one has grown already.
//
// A worker exists only because a lane needed it while the others were busy.
// A lane holds a buffer slot per record, but gives the last one back a moment
// before its worker is idle again, so a new lane can start a worker in that
// gap: there are fewer than 2 × Options.MaxBuffered workers. They all end with
// stop.
type workers struct {
	work chan func() // unbuffered: a send succeeds only when a worker is idle
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

func newWorkers() *workers {
	return &workers{work: make(chan func()), done: make(chan struct{})}
}

// run runs f on an idle worker, or on a new one if none is idle.
func (w *workers) run(f func()) {
	select {
	case w.work <- f:
	default:
		w.wg.Add(1)
		go w.loop(f)
	}
}

func (w *workers) loop(f func()) {
	defer w.wg.Done()
	for {
		f()
		select {
		case f = <-w.work:
		case <-w.done:
			return
		}
	}
}

// stop ends idle workers and waits for busy ones to finish. Nothing may be
// run after it.
func (w *workers) stop() {
	w.once.Do(func() { close(w.done) })
	w.wg.Wait()
}
