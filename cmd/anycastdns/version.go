package main

import (
	"runtime"
	"runtime/debug"
)

// buildVersion is set at link time: -ldflags "-X main.buildVersion=1.2.3".
var buildVersion string

// version returns the program's version: the one set at link time, else the module
// version or VCS revision recorded by the Go toolchain, else "devel".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
}

// defaultVersion is the answer to version.bind and version.server when the
// configuration sets none: "anycastdns VERSION".
func defaultVersion() string { return "anycastdns " + version() }

// goVersion returns the version of the Go toolchain that built the program.
func goVersion() string { return runtime.Version() }
