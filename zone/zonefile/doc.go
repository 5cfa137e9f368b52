// Package zonefile reads RFC 1035 master files: text in, resource records out, each
// with the file and line it came from. It knows nothing of what a zone must hold (that
// is package zone's Check) nor of serving it.
//
// Read parses a file as miekg/dns's ZoneParser does: $ORIGIN, $TTL, $GENERATE, every
// type miekg/dns knows and the generic form of RFC 3597, and $INCLUDE confined to the
// zone file's own folder. A file in the plain one-entry-per-line form that large zones
// use (the root zone, a TLD's delegations) goes through a faster parser of its own that
// yields the very same records, and a large file is parsed in parts side by side.
// Exact duplicates collapse to the first one read (RFC 2181 section 5). Every problem
// is an *Error that prints as "file:line: message (rule)".
//
// A typical use:
//
//	recs, err := zonefile.Read(zonefile.FileSource("/srv/zones/example.org.zone"), "example.org.")
//	if err != nil {
//		log.Fatal(err) // one line per problem: "file:line: message (rule)"
//	}
//	for _, r := range recs {
//		fmt.Printf("%s:%d %v\n", r.File, r.Line, r.RR)
//	}
//
// A Source can also name a file in any fs.FS (an embed.FS, a testing/fstest.MapFS):
// $INCLUDE is then resolved inside that file system.
//
// Like NSD's zone parser and Knot DNS's libzscanner, the reader stands apart from the
// server's zone model, which takes its records and checks and compiles them.
package zonefile
