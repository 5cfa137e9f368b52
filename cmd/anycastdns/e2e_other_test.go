//go:build !linux

package main_test

import "os/exec"

// killWithTest is a no-op where the parent-death signal does not exist; the test's
// cleanup still stops the server by PID.
func killWithTest(cmd *exec.Cmd) {}
