package zonefile

import "testing"

// FuzzReadFast reads any bytes as a zone file with the fast parser on and off, whole
// and in two parts: the records (reflect.DeepEqual, with file and line), the duplicate
// count and the error text must be the same.
func FuzzReadFast(f *testing.F) {
	for _, seed := range []string{
		"www 300 IN A 192.0.2.1\n@ IN 300 NS ns1\n\tAAAA 2001:db8::1\n",
		"$TTL 600\na A 192.0.2.1\nb 30 A 192.0.2.2\nc A 192.0.2.3\n",
		"a 30 A 192.0.2.1\nb A 192.0.2.2\n$TTL 1h\nc A 192.0.2.3\n",
		"$ORIGIN sub\nx CNAME y\n$ORIGIN .\nw. MX 10 @\n",
		"a TXT \"x\" \"y z\" \"\" ; c\r\nb TXT \"(;)\"\n",
		"@ SOA ns hm 1 2 3 4 5\nm MX 0 mail\nd DNAME x.\np PTR host.\n",
		"a RRSIG A 8 2 300 20230524050000 1690000000 12345 example. AAAA BBBB\n",
		"a NSEC b A NS RRSIG NSEC\nx NSEC3 1 1 12 aabb 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS\n",
		"@ NSEC3PARAM 1 0 10 -\na DS 1 8 2 AB CD\n@ DNSKEY 257 3 8 AwEAAa gNo=\n",
		"a CDS 1 8 2 ABCD\n@ CDNSKEY 256 3 13 oJMR\n",
		". ZONEMD 2023051100 1 1 AB CD\n_443._tcp TLSA 3 1 1 AB\n_s._udp SRV 1 2 3 t\n@ SOA ns hm 1 2h 3 4 5\n",
		" 300 IN A 192.0.2.1\na\\. A 192.0.2.1\n",
		"a 300 IN SOA ns hm ( 1 2 3 4 5 )\n$INCLUDE inc.db\n",
		"@ IN SOA ns1 hm (\r\n\t1 ; serial\r\n\t2 3\r\n\n 4 5\r\n) ; c\r\n( NS ns )\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := textSource(data)
		for _, opt := range []readOptions{sequential, splitInto(2)} {
			sameAsMiekg(t, "fuzz", src, "example.", opt)
		}
	})
}
