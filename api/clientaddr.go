package api

import (
	"fmt"
	"net"
	"strings"

	"github.com/labstack/echo/v4"
)

// ClientAddress returns how the server learns a client's address, for rate
// limits. With no trusted proxies it is the TCP peer and nothing else:
// X-Forwarded-For and X-Real-IP are written by clients and are ignored. With
// trusted proxies, X-Forwarded-For is read only when the peer is one of them,
// walking from the right and taking the first hop that is not trusted —
// hops to its left were written by the client and could be anything.
//
// Echo's extractor would by default also trust loopback, link-local and
// private addresses; those are switched off, so only the configured ranges
// count as proxies.
func ClientAddress(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ParseTrustedProxies reads a comma-separated list of CIDRs (a bare address
// is a single host), as given to --trusted-proxies.
func ParseTrustedProxies(list string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			ip := net.ParseIP(item)
			if ip == nil {
				return nil, fmt.Errorf("trusted proxy %q is neither an address nor a CIDR", item)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q is not a CIDR: %w", item, err)
		}
		// Trusting (nearly) the whole Internet would make every forwarded
		// header believable again.
		if ones, _ := n.Mask.Size(); ones < 8 {
			return nil, fmt.Errorf("trusted proxy range %q is too broad", item)
		}
		out = append(out, n)
	}
	return out, nil
}
