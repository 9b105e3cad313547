package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// readBody reads and decodes a JSON body like decode and also returns
// the bytes, for handlers that store the request as sent.
func readBody(r *http.Request, v any) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, decode(r, v)
}

func timeOf(unix int64) time.Time { return time.Unix(unix, 0) }

// decode reads a JSON body into v. An empty body counts as {}, and so
// does an empty array: PHP's json_encode([]) sends `[]` for an empty
// map, and a widely used PHP client sends it as the body of export
// triggers and metadata updates. Fields v does not know are ignored, as
// real clients send extras. Type mismatches name the field.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err // *http.MaxBytesError → 413 in writeError
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || emptyArray(t) {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				return Errorf(http.StatusBadRequest, CodeSchema, "request body must be a JSON object")
			}
			return Errorf(http.StatusBadRequest, CodeSchema, "%s: must be of type %s", field, jsonType(te.Type.Kind().String()))
		}
		return Errorf(http.StatusBadRequest, CodeParser, "request body is not valid JSON: %v", err)
	}
	return nil
}

// emptyArray: `[]`, with any whitespace inside.
func emptyArray(b []byte) bool {
	return len(b) >= 2 && b[0] == '[' && b[len(b)-1] == ']' && len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "map", "struct":
		return "object"
	case "slice":
		return "array"
	}
	return "number"
}

// CodeSchema is fiskaly's code for a request that fails validation.
const CodeSchema = "E_FAILED_SCHEMA_VALIDATION"

// page reads limit and offset with the API's bounds.
func page(q url.Values, def, max int) (limit, offset int, err error) {
	limit, offset = def, 0
	if s := q.Get("limit"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 || n > max {
			return 0, 0, Errorf(http.StatusBadRequest, CodeSchema, "limit: must be an integer from 1 to %d", max)
		}
		limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 0 {
			return 0, 0, Errorf(http.StatusBadRequest, CodeSchema, "offset: must be a non-negative integer")
		}
		offset = n
	}
	return limit, offset, nil
}

// ordering reads order_by (one of allowed) and order (asc or desc).
func ordering(q url.Values, allowed []string) (string, bool, error) {
	by := q.Get("order_by")
	if by != "" && !slices.Contains(allowed, by) {
		return "", false, Errorf(http.StatusBadRequest, CodeSchema, "order_by: must be one of %s", strings.Join(allowed, ", "))
	}
	switch strings.ToLower(q.Get("order")) {
	case "", "asc":
		return by, false, nil
	case "desc":
		return by, true, nil
	}
	return "", false, Errorf(http.StatusBadRequest, CodeSchema, "order: must be asc or desc")
}

// oneOf checks an enum query parameter.
func oneOf(q url.Values, name string, allowed ...string) (string, error) {
	v := q.Get(name)
	if v != "" && !slices.Contains(allowed, v) {
		return "", Errorf(http.StatusBadRequest, CodeSchema, "%s: must be one of %s", name, strings.Join(allowed, ", "))
	}
	return v, nil
}

// pathUUID reads a path parameter that must be a UUID (any version).
func pathUUID(r *http.Request, name, value string) (string, error) {
	if uuid.Validate(value) != nil {
		return "", Errorf(http.StatusBadRequest, CodeSchema, "%s: %q is not a UUID", name, value)
	}
	return strings.ToLower(value), nil
}
