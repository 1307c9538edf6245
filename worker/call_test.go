package worker

import "testing"

func TestLocalURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/readyz",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		"10.1.2.3:9":     "http://10.1.2.3:9/readyz",
		"127.0.0.1:8081": "http://127.0.0.1:8081/readyz",
	} {
		if got := localURL(addr, "/readyz"); got != want {
			t.Errorf("localURL(%q) = %q; want %q", addr, got, want)
		}
	}
}
