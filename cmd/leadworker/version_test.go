package main

import (
	"bytes"
	"regexp"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestReadVersion(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261204-9a6fc97abcde+dirty"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "9a6fc97abcde"}, {Key: "vcs.modified", Value: "true"}}}
	platform := " " + runtime.GOOS + "/" + runtime.GOARCH
	tests := []struct {
		name             string
		info             *debug.BuildInfo
		ok               bool
		ldVersion, ldSHA string
		want             buildVersion
	}{
		{"build info", info, true, "", "", buildVersion{"v0.0.0-20261204-9a6fc97abcde+dirty", "9a6fc97abcde", true, "go1.26.8" + platform}},
		{"ldflags win", info, true, "v1.4.0", "0123abcd", buildVersion{"v1.4.0", "0123abcd", false, "go1.26.8" + platform}},
		{"no vcs (image build)", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "", "",
			buildVersion{"(devel)", "unknown", false, "go1.26.8" + platform}},
		{"no build info", nil, false, "", "", buildVersion{"(devel)", "unknown", false, runtime.Version() + platform}},
	}
	for _, tt := range tests {
		if got := readVersion(tt.info, tt.ok, tt.ldVersion, tt.ldSHA); got != tt.want {
			t.Errorf("%s: readVersion = %+v; want %+v", tt.name, got, tt.want)
		}
	}
}

func TestVersionCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := realMain([]string{"version"}, &out, &errOut, lookupFrom(nil)); code != 0 {
		t.Fatalf("version = %d: %s", code, errOut.String())
	}
	want := regexp.MustCompile(`^leadworker \S+\ncommit     \S+( \(modified\))?\ngo         go1\.\S+ \S+/\S+\n$`)
	if !want.MatchString(out.String()) {
		t.Errorf("version printed %q; want %s", out.String(), want)
	}
}
