//go:build !linux

package peers

import "os/exec"

// killWithTest does nothing where the kernel has no parent-death signal; the
// test's cleanup still stops the process by its PID.
func killWithTest(cmd *exec.Cmd) {}
