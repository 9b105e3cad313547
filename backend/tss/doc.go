// Package tss is the SIGN DE domain: technical security systems and their
// lifecycle, admin PIN/PUK, clients, transactions and the signer. All
// changes to one TSS run under that TSS's lock (one writer per TSS), and
// every signed log is stored in the same Badger transaction as the
// counters that number it, so a crash leaves no gap and no duplicate.
package tss
