package peers

import (
	"os/exec"
	"syscall"
)

// killWithTest has the kernel kill cmd when the test process dies before it stops
// cmd.
func killWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
