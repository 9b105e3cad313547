package tse

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// Log is a parsed log message of any TSE (fiskaly, D-Trust, ours).
type Log struct {
	Type          asn1.ObjectIdentifier
	CertifiedData []ParsedField
	Serial        []byte
	Algorithm     asn1.ObjectIdentifier
	SEAuditData   []byte
	Counter       *big.Int
	TimeFormat    string // unixTime, utcTime, utcTimeWithSeconds, generalizedTime, generalizedTimeWithMilliseconds
	Time          time.Time
	Signature     []byte
	// DTBS is the signed byte range, from version through logTime.
	DTBS []byte
	// BER is set when any element uses indefinite length: such a log's
	// signed bytes cannot be rebuilt, so its signature is not checkable.
	BER bool
}

// ParsedField is one certifiedData element.
type ParsedField struct {
	Tag         uint8 // context tag number
	Constructed bool
	Value       []byte // content; for indefinite-length elements the concatenated inner values
}

// Field returns the value of context tag n, or nil.
func (l *Log) Field(n uint8) []byte {
	for _, f := range l.CertifiedData {
		if f.Tag == n {
			return f.Value
		}
	}
	return nil
}

// Kind is "transaction", "system" or "audit".
func (l *Log) Kind() string {
	switch {
	case l.Type.Equal(OIDTransactionLog):
		return "transaction"
	case l.Type.Equal(OIDSystemLog):
		return "system"
	case l.Type.Equal(OIDAuditLog):
		return "audit"
	}
	return "unknown"
}

// TxNumber is a transaction log's number (tag [5]).
func (l *Log) TxNumber() *big.Int { return new(big.Int).SetBytes(l.Field(5)) }

// tlv is one BER element.
type tlv struct {
	tag        byte
	content    []byte
	raw        []byte
	indefinite bool
}

var errTruncated = errors.New("truncated element")

// readTLV reads one element with a one-byte tag and a definite (short or
// long) or, for constructed elements, indefinite length.
func readTLV(b []byte) (tlv, []byte, error) {
	if len(b) < 2 {
		return tlv{}, nil, errTruncated
	}
	t := tlv{tag: b[0]}
	if b[0]&0x1f == 0x1f {
		return t, nil, fmt.Errorf("multi-byte tag 0x%02x not used by TR-03151", b[0])
	}
	l := int(b[1])
	hdr := 2
	switch {
	case l == 0x80:
		if b[0]&0x20 == 0 {
			return t, nil, errors.New("indefinite length on a primitive element")
		}
		rest := b[2:]
		var inner []byte
		for {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				rest = rest[2:]
				break
			}
			e, r, err := readTLV(rest)
			if err != nil {
				return t, nil, err
			}
			inner = append(inner, e.content...)
			rest = r
		}
		t.indefinite, t.content = true, inner
		t.raw = b[:len(b)-len(rest)]
		return t, rest, nil
	case l > 0x80:
		n := l & 0x7f
		if n > 4 || len(b) < 2+n {
			return t, nil, errTruncated
		}
		l = 0
		for _, c := range b[2 : 2+n] {
			l = l<<8 | int(c)
		}
		hdr += n
	}
	if len(b) < hdr+l {
		return t, nil, errTruncated
	}
	t.content, t.raw = b[hdr:hdr+l], b[:hdr+l]
	return t, b[hdr+l:], nil
}

// Parse reads one log message. It accepts what real TSEs write (including
// BER indefinite lengths inside certifiedData) and returns an error naming
// the element for anything else.
func Parse(b []byte) (*Log, error) {
	outer, rest, err := readTLV(b)
	if err != nil {
		return nil, fmt.Errorf("log message: %w", err)
	}
	if outer.tag != 0x30 {
		return nil, fmt.Errorf("log message: starts with tag 0x%02x, want SEQUENCE", outer.tag)
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("log message: %d bytes after the SEQUENCE", len(rest))
	}
	l := &Log{BER: outer.indefinite}
	body := outer.content
	if outer.indefinite {
		return nil, errors.New("log message: indefinite-length outer SEQUENCE")
	}
	start := body
	next := func(name string, tag byte) (tlv, error) {
		e, r, err := readTLV(body)
		if err != nil {
			return e, fmt.Errorf("%s: %w", name, err)
		}
		if tag != 0 && e.tag != tag {
			return e, fmt.Errorf("%s: tag 0x%02x, want 0x%02x", name, e.tag, tag)
		}
		body = r
		return e, nil
	}
	v, err := next("version", 0x02)
	if err != nil {
		return nil, err
	}
	if len(v.content) != 1 || v.content[0] != 2 {
		return nil, fmt.Errorf("version: %x, want 2", v.content)
	}
	oid, err := next("certifiedDataType", 0x06)
	if err != nil {
		return nil, err
	}
	if _, err := asn1.Unmarshal(oid.raw, &l.Type); err != nil {
		return nil, fmt.Errorf("certifiedDataType: %w", err)
	}
	for len(body) > 0 && body[0]&0xc0 == 0x80 {
		e, err := next("certifiedData", 0)
		if err != nil {
			return nil, err
		}
		l.BER = l.BER || e.indefinite
		l.CertifiedData = append(l.CertifiedData, ParsedField{Tag: e.tag & 0x1f, Constructed: e.tag&0x20 != 0, Value: e.content})
	}
	serial, err := next("serialNumber", 0x04)
	if err != nil {
		return nil, err
	}
	l.Serial = serial.content
	alg, err := next("signatureAlgorithm", 0x30)
	if err != nil {
		return nil, err
	}
	algOID, _, err := readTLV(alg.content)
	if err != nil || algOID.tag != 0x06 {
		return nil, errors.New("signatureAlgorithm: no OID")
	}
	if _, err := asn1.Unmarshal(algOID.raw, &l.Algorithm); err != nil {
		return nil, fmt.Errorf("signatureAlgorithm: %w", err)
	}
	if l.Type.Equal(OIDAuditLog) {
		a, err := next("seAuditData", 0x04)
		if err != nil {
			return nil, err
		}
		l.SEAuditData = a.content
	}
	ctr, err := next("signatureCounter", 0x02)
	if err != nil {
		return nil, err
	}
	if len(ctr.content) == 0 || ctr.content[0]&0x80 != 0 {
		return nil, errors.New("signatureCounter: not a positive INTEGER")
	}
	l.Counter = new(big.Int).SetBytes(ctr.content)
	lt, err := next("logTime", 0)
	if err != nil {
		return nil, err
	}
	if err := l.setTime(lt); err != nil {
		return nil, err
	}
	l.DTBS = start[:len(start)-len(body)]
	sig, err := next("signatureValue", 0x04)
	if err != nil {
		return nil, err
	}
	l.Signature = sig.content
	if len(body) != 0 {
		return nil, fmt.Errorf("log message: %d unexpected bytes after signatureValue", len(body))
	}
	return l, nil
}

func (l *Log) setTime(t tlv) error {
	var err error
	s := string(t.content)
	switch t.tag {
	case 0x02:
		if len(t.content) == 0 || len(t.content) > 8 || t.content[0]&0x80 != 0 {
			return errors.New("logTime: bad unixTime INTEGER")
		}
		l.TimeFormat, l.Time = TimeFormatUnix, time.Unix(new(big.Int).SetBytes(t.content).Int64(), 0).UTC()
	case 0x17:
		if len(s) == 13 {
			l.TimeFormat = "utcTimeWithSeconds"
			l.Time, err = time.Parse("060102150405Z", s)
		} else {
			l.TimeFormat = "utcTime"
			l.Time, err = time.Parse("0601021504Z", s)
		}
	case 0x18:
		if len(s) > 15 {
			l.TimeFormat = "generalizedTimeWithMilliseconds"
			l.Time, err = time.Parse("20060102150405.000Z", s)
		} else {
			l.TimeFormat = "generalizedTime"
			l.Time, err = time.Parse("20060102150405Z", s)
		}
	default:
		return fmt.Errorf("logTime: tag 0x%02x is no time", t.tag)
	}
	if err != nil {
		return fmt.Errorf("logTime: %w", err)
	}
	return nil
}
