package transfer

// Update gives the secondary zone z.Origin new settings (a reload of the
// configuration: other primaries, notify targets, allow-notify, required flag,
// copy file), keeping the version it serves and what its loop knows of it: the
// loop stops, then starts again with the new settings and the same version,
// timers and expire deadline, and checks the primaries at once. When the copy
// file is another, the version held is written there. A zone not added yet is
// added (Add).
func (s *Secondary) Update(z SecondaryZone) {
	origin := canonical(z.Origin)
	z.Origin = origin
	s.mu.Lock()
	old := s.zones[origin]
	s.mu.Unlock()
	if old == nil {
		s.Add(z)
		return
	}
	// The old loop writes its newest version before it ends.
	old.stop()
	nz := newSecZone(z, CopyPath(s.cfg.StateDir, z.File, origin))
	nz.fr = old.get()
	nz.joining = old.joining
	nz.copyServed = true
	if nz.file != old.file && nz.fr.cur != nil {
		nz.persist <- nz.fr.cur
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zones[origin] != old {
		return // removed or replaced meanwhile: that change wins
	}
	s.zones[origin] = nz
	if s.ctx != nil && !s.stopped {
		s.run(nz)
	}
}
