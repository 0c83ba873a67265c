package api

import (
	"encoding/json"
)

// applyMergePatch applies a JSON merge patch (RFC 7396) to base and decodes
// the result strictly into a fresh requestInput: objects merge member by
// member, arrays and scalars are replaced whole, and null removes a member
// (it becomes empty). Read-only and unknown fields are refused by name.
func applyMergePatch(base requestInput, patch []byte) (requestInput, error) {
	var out requestInput
	err := mergeInto(base, patch, readOnlyFields, &out)
	return out, err
}

// mergeInto applies a merge patch to base (any JSON-shaped value) and
// decodes the result strictly into out, refusing readOnly fields.
func mergeInto(base any, patch []byte, readOnly []string, out any) error {
	if err := decodeStrict(patch, &map[string]any{}, readOnly); err != nil {
		return err
	}
	var p, target any
	if err := json.Unmarshal(patch, &p); err != nil {
		return bodyProblem(patch, err)
	}
	raw, err := json.Marshal(base)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &target); err != nil {
		return err
	}
	merged, err := json.Marshal(mergePatch(target, p))
	if err != nil {
		return err
	}
	return decodeStrict(merged, out, nil)
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
