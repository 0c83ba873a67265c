package domain

import "net/netip"

// Which addresses a webhook may reach. A webhook is a URL that a user
// chooses and the server calls, so without these checks it could be
// pointed into the server's own network or a cloud's metadata service
// (server-side request forgery). The webhook sender checks every address
// it connects to, after name resolution; ValidateWebhookURL refuses a URL
// whose host is already such an address.

// nonPublicV4 are the IPv4 prefixes of the IANA special-purpose address
// registry that are not globally reachable, and the documentation
// prefixes: none of them is a receiver on the Internet.
var nonPublicV4 = prefixes(
	"0.0.0.0/8",       // "this network"
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // shared address space (carrier-grade NAT; 100.100.100.200 is a cloud metadata service)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local (169.254.169.254: cloud metadata)
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation (TEST-NET-1)
	"192.88.99.0/24",  // 6to4 relay anycast (deprecated)
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation (TEST-NET-2)
	"203.0.113.0/24",  // documentation (TEST-NET-3)
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and 255.255.255.255 broadcast
)

// globalV6 is the only IPv6 space allocated for global unicast; anything
// outside it (the IPv4-compatible ::a.b.c.d, unique-local fc00::/7,
// link-local fe80::/10, multicast, discard-only 100::/64 …) is not public.
var globalV6 = netip.MustParsePrefix("2000::/3")

// nonPublicV6 are the special-purpose prefixes inside 2000::/3 that are
// not receivers on the Internet.
var nonPublicV6 = prefixes(
	"2001::/23",     // IETF protocol assignments (Teredo 2001::/32 hides an IPv4 address)
	"2001:db8::/32", // documentation
	"3fff::/20",     // documentation
)

// Prefixes whose addresses embed an IPv4 address, which must be public in
// its turn.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64: the last 32 bits
	nat64Loc  = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour = netip.MustParsePrefix("2002::/16") // 6to4: bits 16-47
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// PublicAddress reports whether a is an address on the public Internet: a
// global unicast address outside every special-purpose prefix. An IPv4
// address written as IPv6 (::ffff:a.b.c.d) is judged as IPv4; a NAT64
// (64:ff9b::/96) or 6to4 (2002::/16) address by the IPv4 address it
// carries.
func PublicAddress(a netip.Addr) bool {
	if !a.IsValid() || a.Zone() != "" {
		return false
	}
	a = a.Unmap()
	if a.Is4() {
		return publicV4(a)
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return publicV4(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	case nat64Loc.Contains(a):
		return false // local-use NAT64 (RFC 8215): a network's own translator
	case sixToFour.Contains(a):
		return publicV4(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})) && publicV6(a)
	}
	return publicV6(a)
}

func publicV4(a netip.Addr) bool {
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublicV4 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

func publicV6(a netip.Addr) bool {
	if !globalV6.Contains(a) || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range nonPublicV6 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
