package recovery

import "sync"

// recentAnswers remembers the origins and stamps of the records a consumer
// of route records (Options.Routed) answered lately. A route stage that
// crashed or lost its partitions forwards again the records it had not
// committed, so one input record can arrive twice on the route topic; when
// the second copy comes after the first was answered, in the same
// generation, the scan at assignment cannot know, and this set does. It
// holds at most limit stamps, forgetting the oldest first.
type recentAnswers struct {
	mu    sync.Mutex
	limit int
	set   map[Origin][]Stamp
	order []Origin // oldest first, one entry per stamp
}

func newRecentAnswers(limit int) *recentAnswers {
	return &recentAnswers{limit: max(limit, 0), set: make(map[Origin][]Stamp)}
}

// add remembers an answered origin and its stamp. A nil set remembers
// nothing.
func (r *recentAnswers) add(o Origin, st Stamp) {
	if r == nil || r.limit == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.set[o] {
		if have == st {
			return
		}
	}
	r.set[o] = append(r.set[o], st)
	r.order = append(r.order, o)
	if len(r.order) > r.limit {
		old := r.order[0]
		r.order = r.order[1:]
		if sts := r.set[old][1:]; len(sts) > 0 {
			r.set[old] = sts
		} else {
			delete(r.set, old)
		}
	}
}

// has reports whether the origin was answered lately under a stamp that
// matches st.
func (r *recentAnswers) has(o Origin, st Stamp) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.set[o] {
		if have.matches(st) {
			return true
		}
	}
	return false
}

// holds reports whether anything is remembered of the origin, so that a
// record's value need not be hashed when nothing is.
func (r *recentAnswers) holds(o Origin) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.set[o]) > 0
}
