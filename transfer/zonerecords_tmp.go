package transfer

import (
	"github.com/miekg/dns"

	"github.com/anycastdns/anycastdns/zone"
)

// zoneRecords returns every record of a zone version, SOA first: the AXFR body.
// It stands for (*zone.Zone).Records until package zone has it (the merge sets
// it to (*zone.Zone).Records and then inlines it); until then the tests set it.
var zoneRecords func(*zone.Zone) []dns.RR
