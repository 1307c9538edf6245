package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version and commit are set at build time where the build has no .git to
// read them from (the Dockerfile, scripts/images.sh):
//
//	go build -ldflags "-X main.version=v1.4.0 -X main.commit=$(git rev-parse HEAD)" ./cmd/leadworker
//
// Empty, they come from the build information Go stamps into the binary.
var version, commit string

const versionUsage = `usage: leadworker version

Prints the module version, the commit it was built from and the Go version.
`

// buildVersion is what `leadworker version` prints.
type buildVersion struct {
	Version  string // module version: a tag, a pseudo-version, or (devel)
	Commit   string // VCS revision, or "unknown"
	Modified bool   // built from a work tree with uncommitted changes
	Go       string // toolchain and platform
}

// readVersion combines the -ldflags values with the binary's build info.
func readVersion(info *debug.BuildInfo, ok bool, ldVersion, ldCommit string) buildVersion {
	v := buildVersion{Version: ldVersion, Commit: ldCommit, Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if ok {
		v.Go = info.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
		if v.Version == "" {
			v.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && ldCommit == "":
				v.Commit = s.Value
			case s.Key == "vcs.modified" && ldCommit == "":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	if v.Commit == "" {
		v.Commit = "unknown"
	}
	return v
}

func (v buildVersion) String() string {
	c := v.Commit
	if v.Modified {
		c += " (modified)"
	}
	return fmt.Sprintf("leadworker %s\ncommit     %s\ngo         %s\n", v.Version, c, v.Go)
}

// versionCommand runs `leadworker version`.
func versionCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if isHelp(args[0]) {
			printHelp(stdout, versionUsage, nil, nil, "")
			return 0
		}
		fmt.Fprint(stderr, versionUsage)
		return 2
	}
	info, ok := debug.ReadBuildInfo()
	fmt.Fprint(stdout, readVersion(info, ok, version, commit))
	return 0
}
