package health

import (
	"context"
	"os"
	"time"

	"go.uber.org/zap"
)

// watchFile polls the maintenance file every interval: its presence turns the
// file maintenance switch on, its absence turns it off. It returns when ctx
// is done.
func (m *Monitor) watchFile(ctx context.Context) {
	ticker := time.NewTicker(m.cfg.Interval)
	defer ticker.Stop()
	for {
		m.checkFile()
		select {
		case <-ticker.C:
		case <-ctx.Done():
			return
		}
	}
}

// checkFile reads the maintenance file's presence once and updates the
// switch when it changed.
func (m *Monitor) checkFile() {
	_, err := os.Stat(m.cfg.MaintenanceFile)
	present := err == nil
	file, _ := m.Maintenance()
	if present == file {
		return
	}
	m.log.Info("maintenance file", zap.String("path", m.cfg.MaintenanceFile), zap.Bool("present", present))
	m.update(func(s *switches) { s.fileMaint = present })
}
