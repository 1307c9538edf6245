package main

import (
	"bytes"
	"context"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    int64
		wantErr bool
	}{
		{"90% of the container limit", map[string]string{"MEMORY_LIMIT_BYTES": "536870912"}, 483183820, false},
		{"GOMEMLIMIT wins", map[string]string{"MEMORY_LIMIT_BYTES": "536870912", "GOMEMLIMIT": "400MiB"}, 0, false},
		{"no limit given", nil, 0, false},
		{"empty", map[string]string{"MEMORY_LIMIT_BYTES": " "}, 0, false},
		{"not a number", map[string]string{"MEMORY_LIMIT_BYTES": "512Mi"}, 0, true},
		{"zero", map[string]string{"MEMORY_LIMIT_BYTES": "0"}, 0, true},
	}
	for _, tt := range tests {
		got, err := memoryLimit(lookupFrom(tt.env))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: memoryLimit = %d, %v; want %d, error %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestRunSetsTheMemoryLimit: run sets the runtime's soft limit from
// MEMORY_LIMIT_BYTES before it starts the worker, and its start line says
// so. (The context is already cancelled: the worker stops at once.)
func TestRunSetsTheMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	env := minimalEnv()
	env["MEMORY_LIMIT_BYTES"] = "1000000000"
	env["HTTP_ADDR"], env["ADMIN_ADDR"] = "127.0.0.1:0", "off"
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	runCommand(ctx, nil, &out, &errOut, lookupFrom(env))
	if got := debug.SetMemoryLimit(-1); got != 900000000 {
		t.Errorf("soft memory limit = %d; want 900000000 (90%% of MEMORY_LIMIT_BYTES)", got)
	}
	if !strings.Contains(errOut.String(), `"go_memory_limit":"900000000"`) {
		t.Errorf("the start line does not name the limit:\n%s", errOut.String())
	}
	if before == math.MaxInt64 {
		debug.SetMemoryLimit(math.MaxInt64)
	}
}
