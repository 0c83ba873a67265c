package domain

import (
	"net/netip"
	"testing"
)

// TestPublicAddress: only addresses on the public Internet are public;
// every special-purpose range a webhook could use to reach into a network
// (private, loopback, link-local, carrier-grade NAT with its cloud
// metadata address, benchmarking, reserved, broadcast, documentation) is
// not, nor an IPv6 address that carries such an IPv4 address (mapped,
// IPv4-compatible, NAT64, 6to4).
func TestPublicAddress(t *testing.T) {
	for _, c := range []struct {
		addr string
		want bool
	}{
		{"93.184.215.14", true}, {"8.8.8.8", true}, {"1.1.1.1", true}, {"100.63.255.255", true}, {"100.128.0.0", true},
		{"198.17.255.255", true}, {"198.20.0.0", true}, {"223.255.255.254", true}, {"192.0.1.1", true},
		{"2606:4700:4700::1111", true}, {"2a00:1450:4001:82a::200e", true},
		{"::ffff:8.8.8.8", true},               // IPv4-mapped, public
		{"64:ff9b::808:808", true},             // NAT64 of 8.8.8.8
		{"2002:808:808::1", true},              // 6to4 of 8.8.8.8
		{"0.0.0.0", false}, {"0.1.2.3", false}, // "this network"
		{"10.0.0.1", false}, {"172.16.0.1", false}, {"172.31.255.255", false}, {"192.168.1.1", false},
		{"127.0.0.1", false}, {"127.1.2.3", false},
		{"169.254.169.254", false},                                                    // cloud metadata
		{"100.64.0.1", false}, {"100.100.100.200", false}, {"100.127.255.255", false}, // shared (CGN), metadata
		{"192.0.0.1", false}, {"192.0.0.170", false}, // IETF protocol assignments
		{"192.0.2.1", false}, {"198.51.100.7", false}, {"203.0.113.9", false}, // documentation
		{"192.88.99.1", false},
		{"198.18.0.1", false}, {"198.19.255.255", false}, // benchmarking
		{"224.0.0.1", false}, {"239.255.255.250", false},
		{"240.0.0.1", false}, {"255.255.255.255", false},
		{"::", false}, {"::1", false},
		{"::ffff:127.0.0.1", false}, {"::ffff:169.254.169.254", false}, {"::ffff:10.1.2.3", false},
		{"::127.0.0.1", false}, {"::8.8.8.8", false}, // IPv4-compatible (deprecated)
		{"64:ff9b::7f00:1", false}, {"64:ff9b::a9fe:a9fe", false}, {"64:ff9b::6464:64c8", false}, // NAT64 of inner IPv4
		{"64:ff9b:1::808:808", false},                                                    // local-use NAT64
		{"2002:7f00:1::1", false}, {"2002:a9fe:a9fe::", false}, {"2002:a00:1::1", false}, // 6to4 of inner IPv4
		{"2001::1", false}, {"2001:0:4136:e378:8000:63bf:3fff:fdd2", false}, // Teredo
		{"2001:db8::1", false}, {"3fff::1", false}, // documentation
		{"fc00::1", false}, {"fd12:3456::1", false}, {"fe80::1", false}, {"fe80::1%eth0", false}, {"ff02::1", false},
		{"100::1", false}, // discard-only
	} {
		a, err := netip.ParseAddr(c.addr)
		if err != nil {
			t.Fatalf("%s: %v", c.addr, err)
		}
		if got := PublicAddress(a); got != c.want {
			t.Errorf("%s: public %v, want %v", c.addr, got, c.want)
		}
	}
	if PublicAddress(netip.Addr{}) {
		t.Error("the zero address is public")
	}
}
