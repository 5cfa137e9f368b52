//go:build !linux

package server_test

import "os/exec"

// killWithTest is a no-op where the parent-death signal does not exist; the test's
// cleanup still stops each daemon by PID.
func killWithTest(cmd *exec.Cmd) {}
