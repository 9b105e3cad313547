package api

import (
	"io"

	"github.com/fiskaldesk/fiskaldesk/backend/auth"
	"github.com/fiskaldesk/fiskaldesk/backend/billing"
	"github.com/fiskaldesk/fiskaldesk/backend/dsfinvk"
	"github.com/fiskaldesk/fiskaldesk/backend/org"
	"github.com/fiskaldesk/fiskaldesk/backend/store"
	"github.com/fiskaldesk/fiskaldesk/backend/sync"
	"github.com/fiskaldesk/fiskaldesk/backend/tss"
)

// handlers carries the services the API handlers call.
type handlers struct {
	orgs *org.Service
	auth *auth.Service
	tss  *tss.Service
	dk   *dsfinvk.Service
	bill *billing.Service
	sync *sync.Service
	st   *store.Store

	stageRestore func(io.Reader) error
	// limits is nil when rate limits are off (benchmarks).
	limits *limiters
	// setup is the first-start token; localToken authorises /api/local.
	setup      *SetupToken
	localToken string
	// version is the binary's (health); openapi serves the document.
	version string
	openapi HandlerFunc
	// table is every route with its requirement (routes.go).
	table []route
}

// ManagementVersion is the Management API version fiskaldesk follows
// (`_version` of its list envelopes).
const ManagementVersion = "0.12.0"

// list is the cloud's list envelope.
type list[T any] struct {
	Data    []T      `json:"data" nullable:"false"`
	Count   int      `json:"count"`
	Type    string   `json:"_type"`
	Envs    []string `json:"_envs,omitempty" enum:"TEST,LIVE"`
	Version string   `json:"_version,omitempty"`
}

// successBody is the cloud's answer to deletes and actions:
// {"_success":true}.
type successBody struct {
	Success bool `json:"_success"`
}

var success = successBody{Success: true}

// emptyBody is the answer `{}` of SIGN DE's admin routes, which the cloud
// answers with an empty object.
type emptyBody struct{}

func newList[T any](data []T, count int, typ string) list[T] {
	if data == nil {
		data = []T{}
	}
	return list[T]{Data: data, Count: count, Type: typ, Version: ManagementVersion}
}
