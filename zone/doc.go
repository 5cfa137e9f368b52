// Package zone loads RFC 1035 master files, checks them the way nsd-checkzone and
// kzonecheck do, compiles each zone into an immutable lookup structure and answers
// queries from it with the algorithm of RFC 1034 section 4.3.2 (with RFC 4592
// wildcards, RFC 6672 DNAME and RFC 2308 negative answers).
//
// The package knows nothing about sockets, EDNS buffer sizes or BGP: a lookup says
// what happened (an Answer of some Kind with three sections of RRset references);
// the server decides how that looks on the wire.
//
// A typical use:
//
//	recs, err := zone.Read(zone.FileSource("example.org.zone"), "example.org.")
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
package zone
