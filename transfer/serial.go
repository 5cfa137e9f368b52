package transfer

// Serial arithmetic of RFC 1982 section 3 for SERIAL_BITS = 32, as the SOA serial
// uses it (RFC 1035 section 3.3.13, RFC 1982 section 7).

// serialLess reports whether serial a precedes serial b (RFC 1982 section 3.2):
// b is ahead of a by less than 2^31. When they are exactly 2^31 apart the order is
// undefined and serialLess reports false both ways, so that neither side is taken
// for newer (RFC 1982 section 3.2, last paragraph).
func serialLess(a, b uint32) bool {
	d := b - a
	return d != 0 && d < 1<<31
}

// serialNewer reports whether serial b is newer than serial a.
func serialNewer(b, a uint32) bool { return serialLess(a, b) }
