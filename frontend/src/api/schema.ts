// The API's types, generated from the Go types through the OpenAPI document
// (openapi.json → schema.gen.ts, `npm run gen:api`; docs/http.md › The
// OpenAPI document). Components are named after Go package and type:
// TssView is tss.View, OrgOrganization org.Organization.
import type { components } from './schema.gen';

export type Schemas = components['schemas'];
