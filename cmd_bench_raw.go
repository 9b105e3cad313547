package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawConn is the load generator's lean HTTP/1.1 client: one keep-alive
// connection, a request written and its answer read in the calling
// goroutine. net/http's client spends about as much CPU per request as
// the server spends signing (a goroutine hand-off to the connection's
// reader and writer, header maps, the pool), and on a two-core machine
// the load generator's CPU is taken from the server; a POS fleet's
// clients run on their own machines. `bench run --http-client go`
// measures with net/http's client instead.
type rawConn struct {
	addr, host string
	head       []byte // the headers every request carries (Host, Authorization, …)
	timeout    time.Duration
	c          net.Conn
	br         *bufio.Reader
	bw         *bufio.Writer
	buf        []byte
}

func newRawConn(base, token, org string, timeout time.Duration) (*rawConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("the raw client speaks plain HTTP only; use --http-client go for %s", u.Scheme)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	var h bytes.Buffer
	fmt.Fprintf(&h, "Host: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n", u.Host, token)
	if org != "" {
		fmt.Fprintf(&h, "X-Organization-ID: %s\r\n", org)
	}
	return &rawConn{addr: addr, host: u.Host, head: h.Bytes(), timeout: timeout}, nil
}

// do sends one request and reads its whole answer; it returns the status
// code. A broken connection is dialled again on the next call.
func (r *rawConn) do(method, path string, body []byte) (int, error) {
	if r.c == nil {
		c, err := net.DialTimeout("tcp", r.addr, r.timeout)
		if err != nil {
			return 0, err
		}
		r.c, r.br, r.bw = c, bufio.NewReaderSize(c, 16<<10), bufio.NewWriterSize(c, 8<<10)
	}
	status, err := r.roundTrip(method, path, body)
	if err != nil {
		r.close()
		if errors.Is(err, errServerClosed) {
			err = nil
		}
	}
	return status, err
}

func (r *rawConn) roundTrip(method, path string, body []byte) (int, error) {
	_ = r.c.SetDeadline(time.Now().Add(r.timeout))
	b := r.buf[:0]
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\n"...)
	b = append(b, r.head...)
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	r.buf = b
	if _, err := r.bw.Write(b); err != nil {
		return 0, err
	}
	if err := r.bw.Flush(); err != nil {
		return 0, err
	}
	line, err := r.br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	length, chunked, closing := -1, false, false
	for {
		h, err := r.br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil {
				return 0, fmt.Errorf("bad Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			closing = bytes.EqualFold(v, []byte("close"))
		}
	}
	switch {
	case chunked:
		err = r.skipChunked()
	case length >= 0:
		_, err = r.br.Discard(length)
	default:
		return 0, errors.New("answer without length")
	}
	if err == nil && closing {
		err = errServerClosed // dial again for the next request; this answer stands
	}
	return status, err
}

var errServerClosed = errors.New("server closes the connection")

func (r *rawConn) skipChunked() error {
	for {
		line, err := r.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.SplitN(line, []byte(";"), 2)[0])), 16, 64)
		if err != nil {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, then the blank line
				l, err := r.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimSpace(l)) == 0 {
					return nil
				}
			}
		}
		if _, err := r.br.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}

func (r *rawConn) close() {
	if r.c != nil {
		r.c.Close()
		r.c = nil
	}
}
