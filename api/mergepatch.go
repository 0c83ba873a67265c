package api

import (
	"encoding/json"

	"exaccess/domain"
)

// applyMergePatch applies a JSON merge patch (RFC 7396) to base and decodes
// the result strictly into a fresh requestInput: objects merge member by
// member, arrays and scalars are replaced whole, and null removes a member
// (it becomes empty). Read-only and unknown fields are refused by name; the
// members of the wrong type are returned (decodeTyped), for the caller to
// name with its validation of the rest.
func applyMergePatch(base requestInput, patch []byte) (requestInput, []domain.FieldError, error) {
	var out requestInput
	wrong, err := mergeTyped(base, patch, readOnlyFields, &out)
	return out, wrong, err
}

// mergeInto applies a merge patch to base (any JSON-shaped value) and
// decodes the result strictly into out, refusing readOnly fields.
func mergeInto(base any, patch []byte, readOnly []string, out any) error {
	wrong, err := mergeTyped(base, patch, readOnly, out)
	if err == nil && len(wrong) > 0 {
		err = &domain.Error{Code: domain.CodeInvalid, Message: "fields have the wrong type", Fields: wrong}
	}
	return err
}

// mergeTyped is mergeInto that returns the merged document's members of the
// wrong type instead of refusing them, as decodeTyped does.
func mergeTyped(base any, patch []byte, readOnly []string, out any) ([]domain.FieldError, error) {
	if err := checkBodyShape(patch); err != nil {
		return nil, err
	}
	var p, target any
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, bodyProblem(patch, err)
	}
	top, ok := p.(map[string]any)
	if !ok {
		return nil, domain.Errorf(domain.CodeBadRequest, "the body must be a JSON object")
	}
	// The patch itself is checked against out's type, before the merge: a
	// member whose value is null is removed by the merge, so the merged
	// document no longer holds it, and a misspelt name ({"framwork_id":
	// null}, {"unit":{"foo":null}}) would be answered 200 with nothing
	// changed.
	if err := refuseFields(top, out, readOnly); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(raw, &target); err != nil {
		return nil, err
	}
	merged, err := json.Marshal(mergePatch(target, p))
	if err != nil {
		return nil, err
	}
	return decodeTyped(merged, out, nil)
}

// mergePatch is the MergePatch function of RFC 7396 §2.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergePatch(tm[k], v)
	}
	return tm
}
