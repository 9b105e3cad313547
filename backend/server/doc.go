// Package server is fiskaldesk's composition root: configuration (flags >
// FISKALDESK_* env > defaults), logging, opening the store, building the
// one http.Handler and running it until a signal stops it. The desktop
// window and headless `serve` both start here.
package server
