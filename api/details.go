package api

import "exaccess/domain"

// DecodeDetails reads a request in the JSON shape of POST /api/v1/requests
// exactly as the server does (unknown and server-owned fields refused, every
// bad date named), without validating the rest: `exaccess policy test`
// reads its example requests with it, so they are written like real bodies.
func DecodeDetails(body []byte, ref domain.Reference) (domain.Details, error) {
	var in requestInput
	if err := decodeStrict(body, &in, readOnlyFields); err != nil {
		return domain.Details{}, err
	}
	return detailsFrom(in, nil, ref)
}
