package taxii_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"article5/api"
)

// TestSlowBodyIsCutOff: a POST whose body trickles in (a slow-loris
// client) is answered 408 with a TAXII error once the API's body timeout
// has passed without the minimum rate, and the connection is closed;
// nothing is ingested.
func TestSlowBodyIsCutOff(t *testing.T) {
	clk := &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := openStore(t, "sqlite", clk)
	e := mustEnvOn(t, s, clk, api.Limits{RequestRate: -1, AddressRate: -1, IngestRate: -1, BodyTimeout: 300 * time.Millisecond, BodyMinRate: 1000})
	c, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST %sobjects/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nAccept: %s\r\nContent-Type: %s\r\nContent-Length: 100000\r\n\r\n{\"objects\":[",
		allCol, e.holder, taxiiJSON, taxiiJSON)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte every 100 ms: 10 bytes/s
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := c.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	mustError(t, response{status: res.StatusCode, body: body, header: res.Header}, http.StatusRequestTimeout)
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("the connection stayed open")
	}
	env := mustEnvelope(t, e.get(t, e.holder, allCol+"objects/"))
	if len(env.Objects) != 0 {
		t.Fatalf("ingested %d objects", len(env.Objects))
	}
}
