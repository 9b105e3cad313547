// Package tse holds the TR-03151 formats of a software TSS: log messages
// (transaction, system, audit) in DER with the signed-bytes rule of
// tse-formats §2.3, their parser, receipt processData and QR code data
// (DSFinV-K Anhang I), and the sandbox certificates. It has no state.
package tse
