// Package dsfinvk is the DSFinV-K API: VAT definitions, cash registers,
// purchaser agencies, cash point closings (validated in the background)
// and exports of the DSFinV-K CSV set. The table layout comes from the
// official index.xml, embedded unchanged and shipped in every export.
package dsfinvk
