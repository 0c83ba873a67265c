package api

import "exaccess/domain"

// DecodeDetails reads a request in the JSON shape of POST /api/v1/requests
// as the server's create does (unknown and server-owned fields refused,
// every bad date named, a member of the wrong type named with the body's
// other bad fields), without validating the rest of a well-typed body:
// `exaccess policy test` reads its example requests with it, so they are
// written like real bodies.
func DecodeDetails(body []byte, ref domain.Reference) (domain.Details, error) {
	var in requestInput
	wrong, err := decodeTyped(body, &in, readOnlyFields)
	if err != nil {
		return domain.Details{}, err
	}
	return detailsFrom(in, wrong, ref)
}
