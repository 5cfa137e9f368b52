package health

import (
	"context"
	"os"
	"time"

	"go.uber.org/zap"
)

// poll calls check at once and then every interval until ctx is done: the
// maintenance file and the zones' freshness are switches read this way.
func (m *Monitor) poll(ctx context.Context, check func()) {
	interval := m.config().Interval
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		check()
		if i := m.config().Interval; i != interval { // SetConfig
			interval = i
			ticker.Reset(i)
		}
		select {
		case <-ticker.C:
		case <-ctx.Done():
			return
		}
	}
}

// checkFile reads the maintenance file's presence once and updates the switch
// when it changed: present turns the file maintenance switch on, absent turns
// it off.
func (m *Monitor) checkFile() {
	path := m.config().MaintenanceFile
	present := false
	if path != "" { // none configured: the switch is off
		_, err := os.Stat(path)
		present = err == nil
	}
	file, _ := m.Maintenance()
	if present == file {
		return
	}
	m.log.Info("maintenance file", zap.String("path", path), zap.Bool("present", present))
	m.update(func(s *switches) { s.fileMaint = present })
}

// checkFreshness asks Freshness once and updates the stale switch when its
// answer changed.
func (m *Monitor) checkFreshness() {
	why := ""
	if err := m.fresh(time.Now()); err != nil {
		why = err.Error()
	}
	if why == m.switches().stale {
		return
	}
	if why != "" {
		m.log.Warn("zones not fresh: draining", zap.String("reason", why))
	} else {
		m.log.Info("zones fresh again")
	}
	m.update(func(s *switches) { s.stale = why })
}
