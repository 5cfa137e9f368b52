package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	for _, c := range []struct {
		name string
		line string
		want procStat
		err  bool
	}{
		{
			name: "cat",
			line: "20253 (cat) R 20194 20194 5749 0 -1 4194304 100 0 0 0 7 3 0 0 20 0 1 0 218363 3133440 387 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
			want: procStat{PID: 20253, PPID: 20194, UTime: 7, STime: 3},
		},
		{
			// NSD renames its processes; a command name may hold spaces and ')'.
			name: "comm with spaces and parentheses",
			line: "20001 (nsd: server (1)) S 19999 19998 5749 0 -1 4194368 900 0 0 0 1234 5678 0 0 20 0 1 0 218363 62353408 1326 18446744073709551615",
			want: procStat{PID: 20001, PPID: 19999, UTime: 1234, STime: 5678},
		},
		{name: "truncated", line: "1 (init) S 0 1 1 0", err: true},
		{name: "no comm", line: "1 init S 0 1 1 0 -1 0 0 0 0 0 1 1 0 0", err: true},
		{name: "bad utime", line: "1 (init) S 0 1 1 0 -1 0 0 0 0 0 x 1 0 0", err: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseStat([]byte(c.line))
			if (err != nil) != c.err {
				t.Fatalf("got error %v, want error %v", err, c.err)
			}
			if got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// fakeProc writes a proc tree: for each process a stat line and status and smaps_rollup
// files with the given memory.
func fakeProc(t *testing.T, procs []procStat, rssKB, pssKB int) string {
	t.Helper()
	root := t.TempDir()
	for _, p := range procs {
		dir := filepath.Join(root, strconv.Itoa(p.PID))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		stat := strconv.Itoa(p.PID) + " (x) S " + strconv.Itoa(p.PPID) + " 1 1 0 -1 0 0 0 0 0 " +
			strconv.FormatUint(p.UTime, 10) + " " + strconv.FormatUint(p.STime, 10) + " 0 0 20 0 1 0"
		status := "Name:\tx\nVmPeak:\t  99999 kB\nVmRSS:\t" + strconv.Itoa(rssKB*p.PID) + " kB\n"
		rollup := "Rss:   1 kB\nPss:   " + strconv.Itoa(pssKB) + " kB\nPss_Anon: 1 kB\n"
		for name, data := range map[string]string{"stat": stat, "status": status, "smaps_rollup": rollup} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Not a process: must be ignored.
	if err := os.WriteFile(filepath.Join(root, "stat"), []byte("cpu  1 2 3 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestTreeCPUAndMemory(t *testing.T) {
	// 10 is NSD's xfrd as started, 11 its main process, 12 its server; 20 is unrelated.
	root := fakeProc(t, []procStat{
		{PID: 10, PPID: 1, UTime: 100, STime: 50},
		{PID: 11, PPID: 10, UTime: 10, STime: 5},
		{PID: 12, PPID: 11, UTime: 300, STime: 200},
		{PID: 20, PPID: 1, UTime: 9999, STime: 9999},
	}, 1000, 2048)
	for _, c := range []struct {
		pid  int
		want time.Duration
	}{
		{10, 6650 * time.Millisecond}, // (150+15+500) ticks of 10 ms
		{11, 5150 * time.Millisecond},
		{12, 5 * time.Second},
	} {
		got, err := treeCPU(root, c.pid)
		if err != nil || got != c.want {
			t.Errorf("treeCPU(%d): got %v, %v; want %v, nil", c.pid, got, err, c.want)
		}
	}
	if _, err := treeCPU(root, 99); err == nil {
		t.Error("treeCPU of a missing process: got no error, want one")
	}
	m, err := treeMemory(root, 10)
	if err != nil {
		t.Fatal(err)
	}
	// RSS is the largest process's (12 × 1000 kB); PSS the sum over the three.
	if want := (Memory{RSS: 12 * 1000 * 1024, PSS: 3 * 2048 * 1024}); m != want {
		t.Errorf("treeMemory: got %+v, want %+v", m, want)
	}
}

func TestTreeCPUOfThisProcess(t *testing.T) {
	before, err := treeCPU(procRoot, os.Getpid())
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	// Burn at least 50 ms of CPU, bounded to 2 s of wall time.
	deadline := time.Now().Add(2 * time.Second)
	x := 0
	for {
		for i := range 1_000_000 {
			x += i
		}
		after, err := treeCPU(procRoot, os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if after-before >= 50*time.Millisecond {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPU time grew by %v in 2 s of busy loop (x=%d), want at least 50ms", after-before, x)
		}
	}
}

func TestParseKB(t *testing.T) {
	data := []byte("Name:\tnsd\nVmHWM:\t  5000 kB\nVmRSS:\t  4321 kB\nThreads:\t1\n")
	for _, c := range []struct {
		key  string
		want int64
		ok   bool
	}{
		{"VmRSS", 4321 * 1024, true},
		{"VmHWM", 5000 * 1024, true},
		{"Pss", 0, false},
	} {
		got, ok, err := parseKB(data, c.key)
		if err != nil || got != c.want || ok != c.ok {
			t.Errorf("parseKB(%s): got %d, %v, %v; want %d, %v, nil", c.key, got, ok, err, c.want, c.ok)
		}
	}
	if _, _, err := parseKB([]byte("VmRSS: 12 MB\n"), "VmRSS"); err == nil {
		t.Error("parseKB of a value not in kB: got no error, want one")
	}
}

func TestParseMachineBusy(t *testing.T) {
	// user nice system idle iowait irq softirq steal guest guest_nice
	data := []byte("cpu  1000 10 500 9000 300 5 20 7 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\nintr 1 2 3\n")
	got, err := parseMachineBusy(data)
	if want := 15420 * time.Millisecond; err != nil || got != want { // 1542 ticks
		t.Errorf("parseMachineBusy: got %v, %v; want %v, nil", got, err, want)
	}
	for _, bad := range []string{"intr 1\n", "cpu 1 2 3\n", "cpu 1 2 x 4 5 6 7 8\n"} {
		if _, err := parseMachineBusy([]byte(bad)); err == nil {
			t.Errorf("parseMachineBusy(%q): got no error, want one", bad)
		}
	}
	if _, err := machineBusy(procRoot); err != nil {
		t.Skipf("no /proc/stat: %v", err)
	}
}
