package fetch

// ask sizes a partition's fetch requests so that what a response
// holds once decompressed stays within the room taken for it. The broker
// counts a fetch's bytes as they are stored, compressed, and a compressed
// batch of large, repetitive records can hold twenty times its size: a
// fetch asking for the room it took would then bring many times that. So
// the request starts small (startBytes) and follows what responses held:
// it shrinks in proportion when a response held more than the room, and
// doubles, up to the room, while responses fill it less than half. A broker
// answers a fetch with at least one whole batch however small the request,
// so the request never starves.
type ask struct{ want int64 }

// startBytes is the first request's size.
const startBytes = 64 << 10

// next returns the MaxBytes of the next request for a room of size bytes.
func (a *ask) next(size int64) int64 {
	if a.want == 0 {
		a.want = startBytes
	}
	a.want = min(a.want, size)
	return a.want
}

// got adjusts the request to what a response for a room of size held:
// total bytes of records.
func (a *ask) got(size, total int64) {
	switch {
	case total > size:
		a.want = max(1, a.want*size/total)
	case total <= size/2 && total >= a.want/2:
		a.want = min(size, 2*a.want)
	}
}
