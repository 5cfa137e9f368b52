package zone

// publication is one call owed to LoaderOptions.Published.
type publication struct {
	origin   string
	old, new *Zone
}

// queueChanges queues a publication for each zone whose version differs between the
// lists before and after: changed, new, or gone. l.mu is held.
func (l *Loader) queueChanges(before, after []*loaded) {
	if l.published == nil {
		return
	}
	was := make(map[string]*Zone, len(before))
	for _, z := range before {
		was[z.origin] = z.version()
	}
	for _, z := range after {
		old := was[z.origin]
		delete(was, z.origin)
		if v := z.version(); v != old {
			l.pending = append(l.pending, publication{origin: z.origin, old: old, new: v})
		}
	}
	for _, z := range before { // in list order, for a stable sequence
		if old, gone := was[z.origin]; gone && old != nil {
			l.pending = append(l.pending, publication{origin: z.origin, old: old})
		}
	}
}

// notify makes the calls owed to Published, in publish order, outside l.mu. One
// caller at a time drains the queue; a publish made meanwhile, by a callback or
// another goroutine, is drained by that caller too.
func (l *Loader) notify() {
	if l.published == nil {
		return
	}
	l.mu.Lock()
	if l.draining {
		l.mu.Unlock()
		return
	}
	l.draining = true
	for len(l.pending) > 0 {
		batch := l.pending
		l.pending = nil
		l.mu.Unlock()
		for _, p := range batch {
			l.published(p.origin, p.old, p.new)
		}
		l.mu.Lock()
	}
	l.draining = false
	l.mu.Unlock()
}
