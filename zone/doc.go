// Package zone is the model of the zones anycastdns serves: it checks the records of
// a zone the way nsd-checkzone and kzonecheck do, compiles them into an immutable
// lookup structure and answers queries from it with the algorithm of RFC 1034 section
// 4.3.2 (with RFC 4592 wildcards, RFC 6672 DNAME and RFC 2308 negative answers).
// A signed zone also answers with the NSEC or NSEC3 proofs of RFC 4035 section 3.1
// and RFC 5155 section 7.2 (Zone.LookupDNSSEC, for queries with the DO bit), and
// CheckDNSSEC checks its chain and signatures.
//
// The package holds three parts, one on top of the other:
//
//   - the checks and the compile (Check, Warnings, Compile), which take the records
//     that package zonefile reads from a master file, each with its file:line;
//   - the lookup (Zone.Lookup, Zone.LookupDNSSEC) and the zone set (Set, Store), published with one
//     atomic pointer store;
//   - the Loader, which loads the configured zones, reloads those whose file changed
//     and publishes each new set, with optional metrics (LoaderMetrics) and, only when
//     asked (LoaderOptions.TuneGC), tuning of the process's garbage collector.
//
// The package knows nothing about sockets, EDNS buffer sizes or BGP: a lookup says
// what happened (an Answer whose Kind is an AnswerKind, with three sections of RRset
// references); the server decides how that looks on the wire.
//
// A typical use:
//
//	recs, err := zonefile.Read(zonefile.FileSource("example.org.zone"), "example.org.")
//	// handle err: it names file:line
//	z, err := zone.Compile("example.org.", recs) // runs the semantic checks too
//	set, err := zone.NewSet(z)
//	var store zone.Store
//	store.Publish(set)
//	...
//	var a zone.Answer
//	if z := store.Current().Find(qname, qtype); z != nil {
//		z.Lookup(qname, qtype, &a) // allocates nothing
//	}
//
// A server loads its zones with a Loader instead, which does the above for each
// configured zone and keeps the old version of a zone serving when a reload fails:
//
//	l, err := zone.NewLoader(&store, []zone.ZoneFile{{Origin: "example.org.",
//		Source: zonefile.FileSource("/srv/zones/example.org.zone")}}, zone.LoaderOptions{})
//	results, err := l.LoadAll() // at start-up; later, l.Reload() on SIGHUP
package zone
