package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of the times in /proc/PID/stat. The kernel exports
// these times in USER_HZ, which is 100 on every Linux architecture regardless of the
// kernel's own HZ (proc(5)).
const clockTicks = 100

// procStat is what benchdns reads from one /proc/PID/stat line.
type procStat struct {
	PID   int
	PPID  int
	UTime uint64 // user time of all the process's threads, in clock ticks
	STime uint64 // system time of all the process's threads, in clock ticks
}

// parseStat parses a /proc/PID/stat line (proc(5)). The command name, field 2, is in
// parentheses and may hold spaces and parentheses, so the fields are counted from the
// last ')'.
func parseStat(line []byte) (procStat, error) {
	open := bytes.IndexByte(line, '(')
	end := bytes.LastIndexByte(line, ')')
	if open < 1 || end < open {
		return procStat{}, fmt.Errorf("stat line %.40q: no (comm)", line)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(line[:open])))
	if err != nil {
		return procStat{}, fmt.Errorf("stat line %.40q: pid: %v", line, err)
	}
	// After ") " come field 3 (state) onwards; utime and stime are fields 14 and 15.
	f := strings.Fields(string(line[end+1:]))
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("stat line %.40q: %d fields after comm, want at least 13", line, len(f))
	}
	s := procStat{PID: pid}
	if s.PPID, err = strconv.Atoi(f[1]); err != nil {
		return procStat{}, fmt.Errorf("stat of %d: ppid: %v", pid, err)
	}
	if s.UTime, err = strconv.ParseUint(f[11], 10, 64); err != nil {
		return procStat{}, fmt.Errorf("stat of %d: utime: %v", pid, err)
	}
	if s.STime, err = strconv.ParseUint(f[12], 10, 64); err != nil {
		return procStat{}, fmt.Errorf("stat of %d: stime: %v", pid, err)
	}
	return s, nil
}

// procRoot is where the proc file system is mounted.
const procRoot = "/proc"

// readStats reads the stat line of every process under root.
func readStats(root string) ([]procStat, error) {
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []procStat
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, e.Name(), "stat"))
		if err != nil {
			continue // the process ended between ReadDir and ReadFile
		}
		s, err := parseStat(b)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// tree returns pid and its descendants among stats. NSD, for one, serves from child
// processes that it forks, so a server's CPU time is that of its whole process tree.
func tree(stats []procStat, pid int) []procStat {
	children := map[int][]procStat{}
	var self []procStat
	for _, s := range stats {
		children[s.PPID] = append(children[s.PPID], s)
		if s.PID == pid {
			self = append(self, s)
		}
	}
	out := self
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i].PID]...)
	}
	return out
}

// treeCPU returns the CPU time (user+system, all threads) that the process pid and its
// descendants have used so far, read from the proc file system at root.
func treeCPU(root string, pid int) (time.Duration, error) {
	stats, err := readStats(root)
	if err != nil {
		return 0, err
	}
	t := tree(stats, pid)
	if len(t) == 0 {
		return 0, fmt.Errorf("process %d not found in %s", pid, root)
	}
	var ticks uint64
	for _, s := range t {
		ticks += s.UTime + s.STime
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// Memory is the memory a server's processes hold.
type Memory struct {
	RSS int64 // VmRSS of the largest process of the tree, in bytes
	PSS int64 // proportional set size summed over the tree (shared pages counted once), in bytes
}

// parseKB returns the value in bytes of the "Key:  123 kB" line of a /proc status or
// smaps_rollup file, and whether the key is there.
func parseKB(data []byte, key string) (int64, bool, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, key+":")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, true, fmt.Errorf("%q: want \"%s: N kB\"", line, key)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, true, fmt.Errorf("%q: %v", line, err)
		}
		return kb * 1024, true, nil
	}
	return 0, false, nil
}

// treeMemory reads the memory of the process pid and its descendants.
func treeMemory(root string, pid int) (Memory, error) {
	stats, err := readStats(root)
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	for _, s := range tree(stats, pid) {
		dir := filepath.Join(root, strconv.Itoa(s.PID))
		status, err := os.ReadFile(filepath.Join(dir, "status"))
		if err != nil {
			return Memory{}, err
		}
		rss, _, err := parseKB(status, "VmRSS")
		if err != nil {
			return Memory{}, err
		}
		m.RSS = max(m.RSS, rss)
		rollup, err := os.ReadFile(filepath.Join(dir, "smaps_rollup"))
		if err != nil {
			return Memory{}, err
		}
		pss, _, err := parseKB(rollup, "Pss")
		if err != nil {
			return Memory{}, err
		}
		m.PSS += pss
	}
	return m, nil
}

// parseMachineBusy returns the busy time of all cores together from the "cpu" line of
// /proc/stat (proc(5)): user, nice, system, irq, softirq and steal, leaving out idle and
// iowait (guest time is already in user).
func parseMachineBusy(data []byte) (time.Duration, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || f[0] != "cpu" {
			continue
		}
		if len(f) < 9 {
			return 0, fmt.Errorf("/proc/stat cpu line %q: %d fields, want at least 9", sc.Text(), len(f))
		}
		var ticks uint64
		for i, v := range f[1:9] {
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/stat cpu line: field %d: %v", i+1, err)
			}
			if i == 3 || i == 4 { // idle, iowait
				continue
			}
			ticks += n
		}
		return time.Duration(ticks) * time.Second / clockTicks, nil
	}
	return 0, fmt.Errorf("/proc/stat: no cpu line")
}

// machineBusy reads the busy time of all cores together so far.
func machineBusy(root string) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(root, "stat"))
	if err != nil {
		return 0, err
	}
	return parseMachineBusy(b)
}
