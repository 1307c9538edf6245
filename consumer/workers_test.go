package consumer

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
)

// goid returns the id of the calling goroutine, from its stack header
// ("goroutine 18 [running]:"). Tests use it to tell which worker ran a task.
func goid() uint64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	id, err := strconv.ParseUint(string(buf[:bytes.IndexByte(buf, ' ')]), 10, 64)
	if err != nil {
		panic("goid: " + err.Error())
	}
	return id
}

// The workers tests run in a synctest bubble: synctest.Wait returns once every
// worker is blocked, so an idle worker is known to be idle, and the bubble
// fails the test if a worker is still alive when it ends.

func TestWorkersReuseAnIdleWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorkers()
		const tasks = 10
		ran := make(chan uint64, tasks)
		for i := 0; i < tasks; i++ {
			w.run(func() { ran <- goid() })
			synctest.Wait() // the task returned and its worker is idle again
		}
		w.stop()

		ids := map[uint64]int{}
		for i := 0; i < tasks; i++ {
			ids[<-ran]++
		}
		if len(ids) != 1 {
			t.Errorf("%d sequential tasks ran on %d goroutines %v; want 1", tasks, len(ids), ids)
		}
	})
}

func TestWorkersConcurrentTasksRunOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorkers()
		const tasks = 50
		var (
			mu   sync.Mutex
			runs = make(map[int]int)
			ids  = make(map[uint64]bool)
		)
		round := func(offset int) map[uint64]bool {
			gate := make(chan struct{})
			var wg sync.WaitGroup
			got := map[uint64]bool{}
			for i := 0; i < tasks; i++ {
				wg.Add(1)
				w.run(func() {
					defer wg.Done()
					mu.Lock()
					runs[offset+i]++
					got[goid()] = true
					mu.Unlock()
					<-gate // every task of the round is busy at once
				})
			}
			synctest.Wait()
			close(gate)
			wg.Wait()
			synctest.Wait() // all workers idle again
			mu.Lock()
			defer mu.Unlock()
			return got
		}

		first := round(0)
		if len(first) != tasks {
			t.Errorf("%d tasks busy at once ran on %d goroutines; want %d", tasks, len(first), tasks)
		}
		for id := range first {
			ids[id] = true
		}
		second := round(tasks)
		for id := range second {
			if !ids[id] {
				t.Errorf("second round started goroutine %d while %d workers were idle; want them reused", id, len(first))
			}
		}

		// run called from many goroutines at once.
		var callers sync.WaitGroup
		for c := 0; c < 5; c++ {
			callers.Add(1)
			go func() {
				defer callers.Done()
				for i := 0; i < 20; i++ {
					n := 2*tasks + c*20 + i
					w.run(func() {
						mu.Lock()
						runs[n]++
						mu.Unlock()
						runtime.Gosched()
					})
				}
			}()
		}
		callers.Wait()
		w.stop() // waits for the busy ones

		mu.Lock()
		defer mu.Unlock()
		const total = 2*tasks + 5*20
		if len(runs) != total {
			t.Errorf("%d distinct tasks ran; want %d", len(runs), total)
		}
		for n, c := range runs {
			if c != 1 {
				t.Errorf("task %d ran %d times; want 1", n, c)
			}
		}
	})
}

func TestWorkersStopWaitsForBusyAndEndsIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorkers()
		release := make(chan struct{})
		finished := make(chan struct{})
		w.run(func() { // busy until released
			<-release
			close(finished)
		})
		w.run(func() {}) // returns at once: its worker goes idle
		synctest.Wait()

		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			w.stop()
		}()
		synctest.Wait()
		select {
		case <-stopped:
			t.Error("stop returned while a task was still running")
		default:
		}

		close(release)
		<-stopped
		w.stop() // a second stop is harmless
		select {
		case <-finished:
		default:
			t.Error("stop returned before the busy task finished")
		}
		// Returning from the bubble checks that no worker, idle or busy, is left:
		// synctest.Test fails on goroutines that are blocked forever.
	})
}

func TestWorkersStopWithNoWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorkers()
		w.stop()
	})
}
