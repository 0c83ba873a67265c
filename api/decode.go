package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// MaxBodyBytes is the largest request body accepted (docs/product.md, "Limits").
const MaxBodyBytes = 1 << 20

// readBody reads a JSON body of at most MaxBodyBytes. An empty body is
// allowed only when optional is true.
func readBody(c echo.Context, optional bool) ([]byte, error) {
	req := c.Request()
	if req.ContentLength > MaxBodyBytes {
		return nil, tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge()
	case err != nil:
		return nil, domain.Errorf(domain.CodeBadRequest, "the request body could not be read")
	case len(bytes.TrimSpace(body)) == 0:
		if optional {
			return nil, nil
		}
		return nil, domain.Errorf(domain.CodeBadRequest, "a JSON body is required")
	}
	if !isJSON(req.Header.Get(echo.HeaderContentType)) {
		return nil, domain.Errorf(codeUnsupportedMedia, "send the body as application/json")
	}
	// JSON is UTF-8 (RFC 8259 §8.1). A body holding bytes that are not
	// UTF-8 is refused: decoding it would store U+FFFD in place of every
	// letter that is not ASCII. JSON defines no charset parameter (§11),
	// so one naming UTF-8 or its subset US-ASCII changes nothing; one
	// naming another charset says the body was written in it, and would
	// be misread as UTF-8, so it is refused by name.
	if _, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType)); !readAsUTF8(params["charset"]) {
		return nil, domain.Errorf(codeUnsupportedMedia, "the body is declared as charset %q: send it as UTF-8 (application/json, or application/json; charset=utf-8)", params["charset"])
	}
	if !utf8.Valid(body) {
		return nil, domain.Errorf(domain.CodeBadRequest, "the body is not valid UTF-8: send JSON text in UTF-8")
	}
	return body, nil
}

// noBody is the body check of an action that reads none (submit, mark
// read, mark all read): none, or {} (which some clients send with every
// POST), is accepted; anything else is refused, because a client that
// sends a body means something by it, and ignoring it silently would let
// {"reason": …} look accepted. A member is named as a field (422); a body
// that is not an object is 400, not JSON 415, as for any body.
func noBody(c echo.Context) error {
	body, err := readBody(c, true)
	if err != nil || body == nil {
		return err
	}
	if err := checkBodyShape(body); err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return bodyProblem(body, err)
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return domain.Errorf(domain.CodeBadRequest, "this action takes no body: send none, or {}")
	}
	var fe []domain.FieldError
	for _, key := range sortedKeys(top) {
		fe = append(fe, domain.FieldError{Field: key, Message: "is not read by this action, which takes no body"})
	}
	if len(fe) > 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "this action takes no body: send none, or {}", Fields: fe}
	}
	return nil
}

// readAsUTF8 reports whether a body declared in charset (the Content-Type
// parameter, "" when none) is read as UTF-8: none, utf-8, utf8 or
// us-ascii, in any letter case.
func readAsUTF8(charset string) bool {
	switch strings.ToLower(charset) {
	case "", "utf-8", "utf8", "us-ascii":
		return true
	}
	return false
}

func tooLarge() error {
	return domain.Errorf(domain.CodeTooLarge, "the request body is larger than %d bytes", MaxBodyBytes)
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// decodeStrict decodes a JSON object into v (which may already hold values,
// for a merge patch). Unknown fields are refused, and so are server-owned
// fields named in readOnly, in any letter case: a body cannot set a status,
// nation, version or route. Members of the wrong JSON type are refused too,
// every one named (typeErrors).
func decodeStrict(body []byte, v any, readOnly []string) error {
	wrong, err := decodeTyped(body, v, readOnly)
	if err == nil && len(wrong) > 0 {
		err = &domain.Error{Code: domain.CodeInvalid, Message: "fields have the wrong type", Fields: wrong}
	}
	return err
}

// decodeTyped is decodeStrict for a caller that validates the rest of the
// body itself, so that one answer names every offending field: the members
// of the wrong JSON type are returned rather than refused, and v then holds
// everything else in the body (each of them is left as it was, the zero
// value in a fresh v). The caller refuses the body with them and with its
// own errors for the other fields (withoutWrongTypes). Malformed JSON, a
// body that is not an object, and unknown or server-owned fields are still
// refused at once, before the types are looked at.
func decodeTyped(body []byte, v any, readOnly []string) ([]domain.FieldError, error) {
	if err := checkBodyShape(body); err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, bodyProblem(body, err)
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return nil, domain.Errorf(domain.CodeBadRequest, "the body must be a JSON object")
	}
	if err := refuseFields(top, v, readOnly); err != nil {
		return nil, err
	}
	var wrong []domain.FieldError
	if _, isMap := v.(*map[string]any); !isMap {
		wrong = typeErrors(doc, reflect.TypeOf(v), "")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	// The body is one JSON value (json.Unmarshal above refuses anything
	// after it), so this decode reads all of it. A member of the wrong type
	// does not stop it: encoding/json skips the member, decodes the rest
	// and reports the first it skipped, which typeErrors has named already.
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case len(wrong) > 0 && (err == nil || errors.As(err, &te)):
		return wrong, nil
	case err != nil:
		return nil, decodeProblem(err)
	}
	return nil, nil
}

// refuseFields refuses the members of a JSON object (top, decoded) that v
// may not hold, every one named: the server-owned fields of readOnly, in any
// letter case, and the members v's type does not have, by their full path
// and their exact JSON name ("exercise_name", never "EXERCISE_NAME"). A
// member is refused whatever its value, null included.
func refuseFields(top map[string]any, v any, readOnly []string) error {
	var fe []domain.FieldError
	for _, key := range sortedKeys(top) {
		for _, ro := range readOnly {
			if strings.EqualFold(key, ro) {
				fe = append(fe, domain.FieldError{Field: key, Message: "is set by the server and cannot be sent"})
			}
		}
	}
	if _, isMap := v.(*map[string]any); !isMap {
		for _, f := range unknownFields(top, reflect.TypeOf(v), "") {
			if !isReadOnly(f, readOnly) {
				fe = append(fe, domain.FieldError{Field: f, Message: "is not a field of this resource"})
			}
		}
	}
	if len(fe) > 0 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "the body sets fields it may not", Fields: fe}
	}
	return nil
}

// MaxBodyValues is the most JSON values one request body may hold: every
// object, array, string, number, true, false and null counts one (an
// object's member names do not). The largest request a client can
// rightly send, every list of a request at its 500 items and every field
// of every item given, holds some 14,500 (14,528 by requestInput's
// fields: aircraft 3,001, dangerous goods and movements 2,501 each,
// vehicles, vessels and training areas 2,001 each, weapon systems 501,
// the rest a few dozen); 50,000 leaves room beside it.
const MaxBodyValues = 50_000

// checkBodyShape reads a JSON body once, byte by byte, keeping only the
// path to where it is, and refuses it (422, code invalid) when an array in
// it holds more than domain.MaxListItems items, naming that array's path,
// or when it holds more than MaxBodyValues values in all, naming "body".
// It runs before anything decodes the body into a tree of Go values
// (decodeTyped, noBody), which costs far more than the bytes: a review's
// 1 MiB body {"vehicles":[{},{},…]} of 350,000 empty objects grew to
// between 34 and 160 MB in memory before the request's own validation
// refused its 501st vehicle. It also refuses (422) a member name given
// twice in one object, naming its path: encoding/json would keep the last
// value, or merge two objects, and a client's mistake would be read as
// something it did not mean. The check itself allocates its path (at most
// as deep as the decoder lets JSON nest) and the names of the objects
// with more than one member (some 5 MiB for a body of 50,000 members, the
// most MaxBodyValues allows). A body that is not valid JSON is left to the
// decoding that follows, which says what is wrong with it (bodyProblem).
func checkBodyShape(body []byte) error {
	if !json.Valid(body) {
		return nil
	}
	// The body is one valid JSON value, so every string ends, every
	// bracket closes, and a string right after { or , in an object is a
	// member's name.
	var stack []shapeLevel
	values, objects := 0, 0
	var names map[shapeName]struct{} // the member names read, by object
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch c {
		case ' ', '\t', '\n', '\r', ',', ':':
			continue
		case '}', ']':
			stack = stack[:len(stack)-1]
			continue
		case '"':
			start := i
			for i++; body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
			if n := len(stack); n > 0 && stack[n-1].wantKey {
				top := &stack[n-1]
				top.key, top.wantKey = body[start:i+1], false
				top.members++
				if top.members == 1 {
					top.first = top.key
					continue // the first name of an object repeats none
				}
				if names == nil {
					names = map[shapeName]struct{}{}
				}
				if top.members == 2 {
					names[shapeName{top.object, memberName(top.first)}] = struct{}{}
				}
				name := shapeName{top.object, memberName(top.key)}
				if _, seen := names[name]; seen {
					return &domain.Error{Code: domain.CodeInvalid, Message: "the body gives a member twice in one object",
						Fields: []domain.FieldError{{Field: pathOf(stack), Message: "is given more than once in one object: give each member once"}}}
				}
				names[name] = struct{}{}
				continue
			}
		case '{', '[':
		default: // a number, true, false or null
			for i+1 < len(body) && !strings.ContainsRune(" \t\n\r,]}", rune(body[i+1])) {
				i++
			}
		}
		values++
		if values > MaxBodyValues {
			return &domain.Error{Code: domain.CodeInvalid, Message: "the body holds too many JSON values",
				Fields: []domain.FieldError{{Field: "body", Message: fmt.Sprintf(
					"must hold at most %d JSON values (each object, array, string, number, true, false and null counts one)", MaxBodyValues)}}}
		}
		if n := len(stack); n > 0 {
			parent := &stack[n-1]
			if parent.array {
				parent.items++
				if parent.items > domain.MaxListItems {
					return &domain.Error{Code: domain.CodeInvalid, Message: "a list in the body is too long",
						Fields: []domain.FieldError{{Field: shapePath(stack), Message: domain.ListTooLong()}}}
				}
			} else {
				parent.wantKey = true
			}
		}
		if c == '{' || c == '[' {
			stack = append(stack, shapeLevel{array: c == '[', wantKey: c == '{', object: objects})
			objects++
		}
	}
	return nil
}

// shapeName is a member name of an object of a body, the objects numbered
// as checkBodyShape opens them.
type shapeName struct {
	object int
	name   string
}

// memberName is the name a quoted member name in a body stands for, as
// encoding/json reads it: "\u0061" is "a" (and bytes that are not UTF-8 are
// U+FFFD, as the decoder would read them; readBody refuses such bodies
// before).
func memberName(quoted []byte) string {
	raw := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw)
	}
	var name string
	_ = json.Unmarshal(quoted, &name)
	return name
}

// shapeLevel is one level of nesting in checkBodyShape: an open object,
// with the name of its member being read (quoted, as in the body), its
// first member's name and its count of members so far, or an open array,
// with its count of items so far.
type shapeLevel struct {
	array   bool
	key     []byte
	items   int
	wantKey bool // an object's next string is a member's name
	object  int  // the level's number, in the order levels were opened
	members int
	first   []byte // the first member's name, quoted
}

// shapePath is the JSON path of the innermost array open in checkBodyShape,
// as field errors name paths ("vehicles", "movements[2].systems"): each
// outer object by the member being read, each outer array by the index of
// the item being read. The body itself is "body".
func shapePath(stack []shapeLevel) string {
	if p := pathOf(stack[:len(stack)-1]); p != "" {
		return p
	}
	return "body"
}

// pathOf is the JSON path through levels of checkBodyShape, ending with
// the member being read of the last ("personnel.military"), "" for none.
func pathOf(levels []shapeLevel) string {
	var b strings.Builder
	for _, l := range levels {
		if l.array {
			b.WriteString("[" + strconv.Itoa(l.items-1) + "]")
			continue
		}
		var key string
		_ = json.Unmarshal(l.key, &key)
		if b.Len() > 0 {
			b.WriteString(".")
		}
		b.WriteString(key)
	}
	return b.String()
}

// withoutWrongTypes is fe without the errors that a member of the wrong
// type (wrong, from decodeTyped) accounts for: those of the same field, of
// its parts, and of the wholes it is part of. The member was decoded as
// left empty, so "is required" or "must be at least 1" for it would be
// false, and so would "the total must be at least 1" for the personnel
// whose military count was "abc": its own error says what is wrong.
func withoutWrongTypes(fe, wrong []domain.FieldError) []domain.FieldError {
	var out []domain.FieldError
	for _, f := range fe {
		if !slices.ContainsFunc(wrong, func(w domain.FieldError) bool { return relatedPaths(f.Field, w.Field) }) {
			out = append(out, f)
		}
	}
	return out
}

// relatedPaths reports whether the JSON paths a and b are the same, or one
// is part of the other ("vehicles[0].count" of "vehicles[0]" and of
// "vehicles").
func relatedPaths(a, b string) bool {
	within := func(part, whole string) bool {
		rest, ok := strings.CutPrefix(part, whole)
		return ok && (rest == "" || rest[0] == '.' || rest[0] == '[')
	}
	return within(a, b) || within(b, a)
}

// bodyProblem explains why json.Unmarshal refused body. It reports any data
// after the first value as a syntax error at that byte; when that data is a
// JSON value of its own ({...} {...}), the truth is plainer: the body holds
// more than one value.
func bodyProblem(body []byte, err error) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var first, second any
	if dec.Decode(&first) == nil && dec.Decode(&second) == nil {
		return domain.Errorf(domain.CodeBadRequest, "the body holds more than one JSON value")
	}
	return syntaxProblem(err)
}

func isReadOnly(field string, readOnly []string) bool {
	for _, ro := range readOnly {
		if strings.EqualFold(field, ro) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// maxJSONDepth is how deep encoding/json lets objects and arrays nest.
const maxJSONDepth = 10_000

func syntaxProblem(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) && strings.HasSuffix(se.Error(), "exceeded max depth"):
		// encoding/json stops at this depth; its message is stable and
		// the error has no field of its own that says so.
		return domain.Errorf(domain.CodeBadRequest, "the body nests JSON objects and arrays more than %d levels deep", maxJSONDepth)
	case errors.As(err, &se):
		return domain.Errorf(domain.CodeBadRequest, "the body is not valid JSON (at byte %d)", se.Offset)
	case errors.As(err, &te):
		return domain.Errorf(domain.CodeBadRequest, "the body must be a JSON object")
	}
	return domain.Errorf(domain.CodeBadRequest, "the body is not valid JSON")
}

func decodeProblem(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		return &domain.Error{Code: domain.CodeInvalid, Message: "a field has the wrong type",
			Fields: []domain.FieldError{{Field: field, Message: "must be " + jsonKind(te.Type.Kind().String())}}}
	}
	// encoding/json has no typed error for unknown fields; its message is stable.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &domain.Error{Code: domain.CodeInvalid, Message: "the body has unknown fields",
			Fields: []domain.FieldError{{Field: strings.Trim(name, `"`), Message: "is not a field of this resource"}}}
	}
	return syntaxProblem(err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "a whole number in range"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "of another type"
}

// jsonEncode writes v as JSON. Text is written as it is: a problem+json
// document is not HTML, and "<token>" in a message must not reach the reader
// as "\u003ctoken\u003e".
func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func itoa(i int) string { return strconv.Itoa(i) }

// ifMatch returns the version named by the If-Match header: 428 when it is
// missing or "*" (which would match any version, so it names none), 400
// when it is not an ETag this server issues. Two If-Match lines are one
// list of tags (RFC 9110 §5.3), refused as a list on one line is: the
// first line is not read alone while the second is ignored.
func ifMatch(c echo.Context) (int, error) {
	if len(c.Request().Header.Values("If-Match")) > 1 {
		return 0, domain.Errorf(domain.CodeBadRequest, `If-Match must be sent once, with one ETag exactly as the server sent it, like "3": this request has more than one If-Match line`)
	}
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	switch h {
	case "":
		return 0, domain.Errorf(domain.CodePreconditionRequired, `send If-Match with the request's ETag (like "3") so that no change is lost`)
	case "*":
		return 0, domain.Errorf(domain.CodePreconditionRequired, `If-Match: * is not accepted: send the ETag of the version you read (like If-Match: "3") so that no change is lost`)
	}
	v, ok := parseETag(h)
	if !ok {
		return 0, domain.Errorf(domain.CodeBadRequest, `If-Match must be one ETag exactly as the server sent it, like "3": quoted, strong, no leading zeros`)
	}
	return v, nil
}

// parseETag reads a strong ETag exactly as etag writes it. Anything else —
// unquoted 2, "02", "+2", W/"2", a list — is not an ETag this server sent,
// and is refused rather than read leniently into a version that may match.
func parseETag(h string) (int, bool) {
	inner, ok := strings.CutPrefix(h, `"`)
	if !ok {
		return 0, false
	}
	if inner, ok = strings.CutSuffix(inner, `"`); !ok {
		return 0, false
	}
	v, err := strconv.Atoi(inner)
	if err != nil || v < 1 || etag(v) != h {
		return 0, false
	}
	return v, true
}

// decodeChange is the prologue of a change to an existing resource: the
// If-Match version, then a JSON body decoded strictly into v.
func decodeChange(c echo.Context, v any) (int, error) {
	version, body, err := readChange(c)
	if err != nil {
		return 0, err
	}
	return version, decodeStrict(body, v, nil)
}

// readChange reads the If-Match version and the raw JSON body of a change,
// for handlers that merge the body onto the current state.
func readChange(c echo.Context) (int, []byte, error) {
	version, err := ifMatch(c)
	if err != nil {
		return 0, nil, err
	}
	body, err := readBody(c, false)
	return version, body, err
}

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }
