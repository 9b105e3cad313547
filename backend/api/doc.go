// Package api is fiskaldesk's HTTP layer: the router shared by the desktop
// window and `serve`, the fiskaly error body, middleware (request id,
// access log, panic recovery, body limit) and, as they land, one router per
// fiskaly API. Handlers stay thin: decode, call one domain function, encode.
package api
