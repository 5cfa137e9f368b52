package server_test

import (
	"os/exec"
	"syscall"
)

// killWithTest makes the kernel kill cmd's process if the test process dies before
// its cleanup could stop it (a timeout panic, a kill of go test), so no knotd or
// unbound is left behind.
func killWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
