package tse

import (
	"encoding/asn1"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of tse-formats §1.1 and §2.1.
var (
	OIDTransactionLog   = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 7, 1, 1}
	OIDSystemLog        = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 7, 1, 2}
	OIDAuditLog         = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 3, 7, 1, 3}
	OIDECDSAPlainSHA256 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}
	OIDECDSAPlainSHA384 = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 4}
)

// Names used in the API, QR codes and DSFinV-K.
const (
	AlgECDSAPlainSHA256 = "ecdsa-plain-SHA256"
	TimeFormatUnix      = "unixTime"
)

// Transaction operations as written in the log (tag [0]) and in the API.
const (
	OpStart  = "StartTransaction"
	OpUpdate = "UpdateTransaction"
	OpFinish = "FinishTransaction"
)

// Field is one context-tagged, primitive element of certifiedData.
type Field struct {
	Tag   uint8 // context tag number: 0 → 0x80
	Value []byte
}

// Message is a log message before signing. CertifiedData holds the
// certifiedData elements in order; SEAuditData is set for audit logs only.
type Message struct {
	Type          asn1.ObjectIdentifier
	CertifiedData []Field
	Serial        []byte // 32 bytes, SHA-256 of the public point
	Algorithm     asn1.ObjectIdentifier
	SEAuditData   []byte
	Counter       uint64
	UnixTime      int64
}

// addInt writes a DER INTEGER (minimal two's complement) with tag.
func addInt(b *cryptobyte.Builder, tag cbasn1.Tag, v *big.Int) {
	b.AddASN1(tag, func(b *cryptobyte.Builder) { b.AddBytes(intContent(v)) })
}

// intContent is the minimal two's-complement content of a non-negative v.
func intContent(v *big.Int) []byte {
	c := v.Bytes()
	if len(c) == 0 || c[0]&0x80 != 0 {
		c = append([]byte{0}, c...)
	}
	return c
}

// IntBytes is the content octets of a DER INTEGER for a non-negative v.
func IntBytes(v uint64) []byte { return intContent(new(big.Int).SetUint64(v)) }

// DTBS returns the data to be signed: the concatenated DER TLVs of every
// element from version to logTime (tse-formats §2.3).
func (m *Message) DTBS() []byte {
	var b cryptobyte.Builder
	addInt(&b, cbasn1.INTEGER, big.NewInt(2))
	b.AddASN1ObjectIdentifier(m.Type)
	for _, f := range m.CertifiedData {
		b.AddASN1(cbasn1.Tag(f.Tag).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(f.Value) })
	}
	b.AddASN1OctetString(m.Serial)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(m.Algorithm) })
	if m.Type.Equal(OIDAuditLog) {
		b.AddASN1OctetString(m.SEAuditData)
	}
	addInt(&b, cbasn1.INTEGER, new(big.Int).SetUint64(m.Counter))
	addInt(&b, cbasn1.INTEGER, big.NewInt(m.UnixTime))
	return b.BytesOrPanic()
}

// Encode wraps the DTBS and the plain signature into the complete DER log.
func Encode(dtbs, signature []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(dtbs)
		b.AddASN1OctetString(signature)
	})
	return b.BytesOrPanic()
}

// TransactionData builds the certifiedData of a transaction log (§2.2).
// An empty processType is written as a single space, as fiskaly's
// cloud TSE does on Start.
func TransactionData(op, clientSerial string, processData []byte, processType string, number uint64) []Field {
	if processType == "" {
		processType = " "
	}
	return []Field{
		{0, []byte(op)},
		{1, []byte(clientSerial)},
		{2, processData},
		{3, []byte(processType)},
		{5, IntBytes(number)},
	}
}

// SystemData builds the certifiedData of a system log: [0] eventType and
// [1] eventData, the latter a primitive element whose content is itself a
// run of context-tagged fields (§3.1).
func SystemData(eventType string, eventData ...Field) []Field {
	var b cryptobyte.Builder
	for _, f := range eventData {
		b.AddASN1(cbasn1.Tag(f.Tag).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(f.Value) })
	}
	return []Field{{0, []byte(eventType)}, {1, b.BytesOrPanic()}}
}

// Bool and Enum are the content octets of a BOOLEAN and an ENUMERATED.
func Bool(v bool) []byte {
	if v {
		return []byte{0xff}
	}
	return []byte{0}
}

func Enum(v uint64) []byte { return IntBytes(v) }

// LoggedEvents are the system events a TSE's configureLogging switches
// on, as fiskaly's cloud TSE lists them (TR-03151 event types).
var LoggedEvents = []string{"initialize", "updateTime", "disableSecureElement", "authenticateUser", "logOut", "unblockUser",
	"authenticateSmaersAdmin", "updateDeviceCompleted", "startAudit", "configureLogging", "enterSecureState",
	"exitSecureState", "selfTest", "registerClient", "deregisterClient", "deleteStoredData"}

// LoggingParameters is the content of configureLogging's [3] parameters:
// SEQUENCE OF SEQUENCE { [0] eventName, [1] enabled BOOLEAN }.
func LoggingParameters(events []string) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, e := range events {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(e)) })
				b.AddASN1(cbasn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(Bool(true)) })
			})
		}
	})
	return b.BytesOrPanic()
}

// AuditData is the seAuditData of an audit log. Its content is left to
// the secure element (TR-03151); fiskaldesk writes a small DER SEQUENCE
// shaped like fiskaly's: [0] time (unix seconds), [1] event code, [2] 1,
// and for a version change [4] { [1] { [3] { [0] version } } }.
// Event codes: 3 — the secure element's software is being replaced;
// 1 — it runs the given version.
func AuditData(unix int64, event uint64, version string) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(IntBytes(uint64(unix))) })
		b.AddASN1(cbasn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(IntBytes(event)) })
		b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(IntBytes(1)) })
		if version != "" {
			b.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(3).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte(version)) })
					})
				})
			})
		}
	})
	return b.BytesOrPanic()
}
