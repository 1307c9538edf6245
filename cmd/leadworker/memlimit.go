package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryLimitShare is the part of the container's memory limit given to the
// Go runtime as its soft limit. The rest is for what the runtime does not
// count (thread stacks outside the heap's accounting, cgo-free but still
// mapped memory, the kernel's page cache charged to the container) and for
// the time the collector needs to catch up with a burst.
const memoryLimitShare = 0.9

// memoryLimit returns the Go soft memory limit to set: 90% of
// MEMORY_LIMIT_BYTES (the container's memory limit, which Kubernetes passes
// with a resourceFieldRef), or 0 to leave the runtime's own setting. It is 0
// when GOMEMLIMIT is set (the runtime has already read it: an explicit
// setting wins) or when MEMORY_LIMIT_BYTES is not.
func memoryLimit(lookup func(string) (string, bool)) (int64, error) {
	if v, ok := lookup("GOMEMLIMIT"); ok && strings.TrimSpace(v) != "" {
		return 0, nil
	}
	v, ok := lookup("MEMORY_LIMIT_BYTES")
	if !ok || strings.TrimSpace(v) == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("MEMORY_LIMIT_BYTES=%q: want a whole number of bytes > 0 (a resourceFieldRef of limits.memory)", v)
	}
	return int64(float64(n) * memoryLimitShare), nil
}

// goMemoryLimit is the runtime's soft memory limit as the start line logs
// it: "none" or a number of bytes.
func goMemoryLimit() string {
	if n := debug.SetMemoryLimit(-1); n != math.MaxInt64 {
		return strconv.FormatInt(n, 10)
	}
	return "none"
}
