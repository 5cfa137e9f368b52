package transfer

import "net/netip"

// Remote is a primary or a notify target: its address and the name of the TSIG
// key that signs the messages to it ("" for none). It stands for the Remote of
// the transfer client (client.go) until that is merged; the merge deletes this
// file.
type Remote struct {
	Addr netip.AddrPort
	Key  string
}
