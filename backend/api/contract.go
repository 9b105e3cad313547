package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"

	"github.com/fiskaldesk/fiskaldesk/backend/org"
)

// schemaGen turns the Go types of the route table (route.in, route.out)
// into OpenAPI schemas. Named struct types become components
// (#/components/schemas/<Pkg><Type>); a field is required unless its JSON
// tag says omitempty; a slice, map or pointer field that Go can encode as
// null is nullable; an org.Field[T] (a request field that may be absent or
// null) is T's schema, optional and nullable.
type schemaGen struct {
	gen     *openapi3gen.Generator
	schemas openapi3.Schemas
}

func newSchemaGen() *schemaGen {
	g := &schemaGen{schemas: openapi3.Schemas{}}
	g.gen = openapi3gen.NewGenerator(
		openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{ExportComponentSchemas: true, ExportTopLevelSchema: true, ExportGenerics: true}),
		openapi3gen.CreateTypeNameGenerator(schemaName),
		openapi3gen.SchemaCustomizer(customize),
	)
	return g
}

// schema returns the schema (usually a $ref) of v's type and collects the
// components it needs.
func (g *schemaGen) schema(v any) (*openapi3.SchemaRef, error) {
	ref, err := g.gen.NewSchemaRefForValue(v, g.schemas)
	if err != nil {
		return nil, fmt.Errorf("schema of %T: %w", v, err)
	}
	return ref, nil
}

var genericArgRe = regexp.MustCompile(`[^\[\],]+`)

// schemaName names a component after its package and type: tss.Export is
// TssExport, dsfinvk.Export DsfinvkExport; a generic envelope of this
// package is named after its argument (signList[*tss.Export] is
// SignListTssExport).
func schemaName(t reflect.Type) string {
	if isField(t) {
		return "" // inline: the field's value schema, nullable (customize)
	}
	name, args, generic := strings.Cut(t.Name(), "[")
	out := upperFirst(name)
	if pkg := t.PkgPath(); pkg != "" && !strings.HasSuffix(pkg, "/backend/api") {
		out = upperFirst(pkg[strings.LastIndex(pkg, "/")+1:]) + out
	}
	if generic {
		for _, a := range genericArgRe.FindAllString(args, -1) {
			a = strings.TrimLeft(a, "*")
			if i := strings.LastIndex(a, "/"); i >= 0 {
				a = a[i+1:]
			}
			for _, part := range strings.Split(a, ".") {
				out += upperFirst(part)
			}
		}
	}
	return out
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

var (
	rawJSON  = reflect.TypeOf(json.RawMessage{})
	fieldPkg = reflect.TypeOf(org.Field[string]{}).PkgPath()
	roleType = reflect.TypeOf(org.Role(""))
)

// isField reports whether t is an org.Field[T].
func isField(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == fieldPkg && strings.HasPrefix(t.Name(), "Field[")
}

// customize adds what reflection alone does not say: which properties are
// always present (required) and which may be null. Two struct tags say
// what the Go type cannot (the names huma uses): enum:"A,B" lists a string
// field's values, and nullable:"false" marks a slice or map the code never
// leaves nil. The contract tests hold answers to both.
func customize(_ string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
	switch {
	case t == rawJSON:
		// Any JSON value, as the client sent it.
		*s = openapi3.Schema{}
		return nil
	case isField(t):
		// The value's own schema (inline: a generator of its own), nullable
		// because null clears the field.
		v, _ := t.FieldByName("V")
		ref, err := openapi3gen.NewSchemaRefForValue(reflect.Zero(v.Type).Interface(), nil, openapi3gen.SchemaCustomizer(customize))
		if err != nil {
			return err
		}
		*s = *ref.Value
		s.Nullable = true
		return nil
	case t.Kind() == reflect.Struct && t.Name() != "Time":
		// An object even without properties ({} answers); openapi3gen
		// exports a component only when Properties is not nil.
		s.Type = &openapi3.Types{"object"}
		if s.Properties == nil {
			s.Properties = openapi3.Schemas{}
		}
		s.Required = requiredFields(t)
	}
	name, opts, _ := strings.Cut(tag.Get("json"), ",")
	omitempty := strings.Contains(","+opts+",", ",omitempty,")
	if name != "" && !omitempty && (t.Kind() == reflect.Slice || t.Kind() == reflect.Map) && tag.Get("nullable") != "false" {
		s.Nullable = true // a nil slice or map is encoded as null
	}
	if t == roleType {
		s.Enum = []any{string(org.RoleOwner), string(org.RoleAdmin), string(org.RoleMember)}
	}
	if enum := tag.Get("enum"); enum != "" && t.Kind() == reflect.String {
		// Also the items of a []string field with the tag.
		s.Enum = nil
		for _, v := range strings.Split(enum, ",") {
			s.Enum = append(s.Enum, v)
		}
	}
	return nil
}

// requiredFields lists the JSON names of t's fields that encoding/json
// always writes: tagged, not omitempty, not "-"; embedded structs' too.
func requiredFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag, ok := f.Tag.Lookup("json")
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				continue // may be nil: its fields may be absent
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, requiredFields(ft)...)
			}
			continue
		}
		if !ok || name == "-" || strings.Contains(","+opts+",", ",omitempty,") || isField(f.Type) {
			continue
		}
		out = append(out, name)
	}
	return out
}
