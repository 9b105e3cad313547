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

	"github.com/fiskaldesk/fiskaldesk/backend/dsfinvk"
	"github.com/fiskaldesk/fiskaldesk/backend/rollup"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// contract names the Go types of a route's JSON request body and of its
// 200 answer; the OpenAPI document's schemas are generated from them
// (openapi3gen, by reflection), never written by hand.
type contract struct {
	req, resp any
	// file lists the media types of a route that answers a file instead
	// of JSON; such a route may also answer 206 to a Range request.
	file []string
}

// contracts holds the routes whose types are declared, keyed like
// summaries ("METHOD /api/…" as the document names the route).
//
// TODO(issue 16, after the route table of issue 14 lands): these move
// into that table as a column of each route, and every route gets one.
var contracts = map[string]contract{
	// SIGN DE: TSS and exports.
	"GET /api/v2/tss":                                        {resp: signList[*tss.View]{}},
	"PUT /api/v2/tss/{tss_id}":                               {resp: tss.View{}},
	"GET /api/v2/tss/{tss_id}":                               {resp: tss.View{}},
	"PATCH /api/v2/tss/{tss_id}":                             {resp: tss.View{}},
	"GET /api/v2/export":                                     {resp: signList[*tss.Export]{}},
	"GET /api/v2/tss/{tss_id}/export":                        {resp: signList[*tss.Export]{}},
	"PUT /api/v2/tss/{tss_id}/export/{export_id}":            {resp: tss.Export{}},
	"GET /api/v2/tss/{tss_id}/export/{export_id}":            {resp: tss.Export{}},
	"DELETE /api/v2/tss/{tss_id}/export/{export_id}":         {resp: tss.Export{}},
	"GET /api/v2/tss/{tss_id}/export/{export_id}/file":       {file: []string{"application/x-tar"}},
	"GET /api/v2/tss/{tss_id}/export/{export_id}/metadata":   {resp: map[string]string{}},
	"PATCH /api/v2/tss/{tss_id}/export/{export_id}/metadata": {resp: map[string]string{}},
	"GET /api/v1/exports":                                    {resp: dkList[dsfinvk.Export]{}},
	"PUT /api/v1/exports/{id}":                               {req: dsfinvk.ExportParams{}, resp: dsfinvk.Export{}},
	"GET /api/v1/exports/{id}":                               {resp: dsfinvk.Export{}},
	"DELETE /api/v1/exports/{id}":                            {resp: dsfinvk.Export{}},
	"GET /api/v1/exports/{id}/download":                      {file: []string{"application/x-tar", "application/zip"}},
	"GET /api/v1/cash_point_closings":                        {resp: dkList[dsfinvk.ClosingView]{}},
	"PUT /api/v1/cash_point_closings/{id}":                   {req: dsfinvk.Closing{}, resp: dsfinvk.ClosingView{}},
	"GET /api/v1/cash_point_closings/{id}":                   {resp: dsfinvk.ClosingView{}},
	"DELETE /api/v1/cash_point_closings/{id}":                {resp: dsfinvk.ClosingView{}},
	"GET /api/v1/cash_point_closings/{id}/reports":           {resp: dkList[dsfinvk.Report]{}},
	"GET /api/v1/cash_registers":                             {resp: dkList[dsfinvk.CashRegister]{}},
	"PUT /api/v1/cash_registers/{client_id}":                 {req: dsfinvk.RegisterInput{}, resp: dsfinvk.CashRegister{}},
	"GET /api/v1/cash_registers/{client_id}":                 {resp: dsfinvk.CashRegister{}},
	"GET /api/v1/vat_definitions":                            {resp: dkList[dsfinvk.VatDefinition]{}},
	"GET /api/v1/vat_definitions/{id}":                       {resp: dsfinvk.VatDefinition{}},
	"PUT /api/v1/vat_definitions/{id}":                       {req: dsfinvk.VatDefinition{}, resp: dsfinvk.VatDefinition{}},
	"GET /api/v1/purchaser_agencies":                         {resp: dkList[dsfinvk.PurchaserAgency]{}},
	"GET /api/v1/purchaser_agencies/{id}":                    {resp: dsfinvk.PurchaserAgency{}},
	"PUT /api/v1/purchaser_agencies/{id}":                    {req: dsfinvk.PurchaserAgency{}, resp: dsfinvk.PurchaserAgency{}},
	// Dashboard aggregates.
	"GET /api/dashboard/rollup": {resp: rollup.Rollup{}},
}

// schemaGen turns Go types into OpenAPI schemas. Named struct types become
// components (#/components/schemas/<Pkg><Type>); a field is required unless
// its JSON tag says omitempty; a slice, map or pointer field that Go can
// encode as null is nullable.
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

var rawJSON = reflect.TypeOf(json.RawMessage{})

// customize adds what reflection alone does not say: which properties are
// always present (required) and which may be null.
func customize(_ string, t reflect.Type, tag reflect.StructTag, s *openapi3.Schema) error {
	switch {
	case t == rawJSON:
		// Any JSON value, as the client sent it.
		*s = openapi3.Schema{}
		return nil
	case t.Kind() == reflect.Struct && t.Name() != "Time":
		s.Required = requiredFields(t)
	}
	name, opts, _ := strings.Cut(tag.Get("json"), ",")
	omitempty := strings.Contains(","+opts+",", ",omitempty,")
	if name != "" && !omitempty && (t.Kind() == reflect.Slice || t.Kind() == reflect.Map) {
		s.Nullable = true // a nil slice or map is encoded as null
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
		if !ok || name == "-" || strings.Contains(","+opts+",", ",omitempty,") {
			continue
		}
		out = append(out, name)
	}
	return out
}
