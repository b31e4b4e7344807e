package marketv1http_test

// Client reconnection: after a dropped connection, with Last-Event-ID, up to MaxAttempts, and
// never after the end event, an error event or a non-2xx answer.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	marketv1 "example.com/ssegen/testprojects/market_data/gen/marketv1"
	"example.com/ssegen/testprojects/market_data/gen/marketv1/marketv1http"
)

// Short delays keep the tests quick; the client adds jitter below these ceilings.
var quickReconnect = marketv1http.ReconnectPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}

func sendIDs(s marketv1http.SSESender, ids ...int) error {
	for _, id := range ids {
		if err := s.Send(&marketv1.Quote{Symbol: fmt.Sprint("quote ", id)}, marketv1http.WithEventID(fmt.Sprint(id))); err != nil {
			return err
		}
	}
	return nil
}

// dropAfter drops the connection and waits for the server to notice.
func dropAfter(t *testing.T, ctx context.Context) error {
	dropConnection(t, ctx)
	select {
	case <-ctx.Done():
	case <-time.After(patience):
		t.Error("the request context did not end after its connection was closed")
	}
	return nil
}

func collectIDs(stream *marketv1http.EventStream[*marketv1.Quote]) []string {
	var ids []string
	for stream.Next() {
		ids = append(ids, stream.ID())
	}
	return ids
}

func lastEventIDs(ts *testServer) []string {
	var ids []string
	for _, r := range ts.recorded() {
		ids = append(ids, r.Header.Get("Last-Event-ID"))
	}
	return ids
}

func TestStreamReconnectsAfterADrop(t *testing.T) {
	drops := map[string]func(t *testing.T, ctx context.Context) error{
		"connection closed": dropAfter,
		"handler aborted":   func(*testing.T, context.Context) error { panic(http.ErrAbortHandler) },
	}
	for name, drop := range drops {
		t.Run(name, func(t *testing.T) {
			var attempts atomic.Int32
			impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
				switch attempts.Add(1) {
				case 1:
					// The server's retry (5ms) becomes the floor of the client's delay.
					if err := s.SetRetry(5 * time.Millisecond); err != nil {
						return err
					}
					if err := sendIDs(s, 1, 2); err != nil {
						return err
					}
					return drop(t, ctx)
				case 2:
					if s.LastEventID() != "2" {
						return marketv1http.NewAPIError(http.StatusPreconditionFailed, "resumed after "+s.LastEventID())
					}
					return sendIDs(s, 3, 4)
				}
				return marketv1http.NewAPIError(http.StatusInternalServerError, "unexpected attempt")
			}}
			ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
			stream, err := ts.client(t, marketv1http.WithReconnect(quickReconnect)).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			ids := collectIDs(stream)
			if stream.Err() != nil || !reflect.DeepEqual(ids, []string{"1", "2", "3", "4"}) {
				t.Fatalf("ids %v, Err %v", ids, stream.Err())
			}
			if got := lastEventIDs(ts); !reflect.DeepEqual(got, []string{"", "2"}) {
				t.Fatalf("Last-Event-ID per request %q, want none then 2", got)
			}
		})
	}
}

func TestStreamReconnectWithCallPolicyAndInitialLastEventID(t *testing.T) {
	var attempts atomic.Int32
	impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if attempts.Add(1) == 1 {
			if err := sendIDs(s, 11); err != nil {
				return err
			}
			return dropAfter(t, ctx)
		}
		return sendIDs(s, 12)
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
	// The client has no policy; the call brings its own.
	stream, err := ts.client(t).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"},
		marketv1http.WithLastEventID("10"), marketv1http.WithCallReconnect(quickReconnect))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	ids := collectIDs(stream)
	if stream.Err() != nil || !reflect.DeepEqual(ids, []string{"11", "12"}) {
		t.Fatalf("ids %v, Err %v", ids, stream.Err())
	}
	if got := lastEventIDs(ts); !reflect.DeepEqual(got, []string{"10", "11"}) {
		t.Fatalf("Last-Event-ID per request %q, want 10 then 11", got)
	}
}

func TestStreamReconnectGivesUpAfterMaxAttempts(t *testing.T) {
	var attempts atomic.Int32
	impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if attempts.Add(1) == 1 {
			if err := sendIDs(s, 1); err != nil {
				return err
			}
		} else if err := s.Flush(); err != nil { // commit, then fail again without an event
			return err
		}
		return dropAfter(t, ctx)
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
	policy := quickReconnect
	policy.MaxAttempts = 2
	stream, err := ts.client(t, marketv1http.WithReconnect(policy)).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	ids := collectIDs(stream)
	if !reflect.DeepEqual(ids, []string{"1"}) || !errors.Is(stream.Err(), io.ErrUnexpectedEOF) {
		t.Fatalf("ids %v, Err %v; want [1] and io.ErrUnexpectedEOF", ids, stream.Err())
	}
	if got := lastEventIDs(ts); !reflect.DeepEqual(got, []string{"", "1", "1"}) {
		t.Fatalf("Last-Event-ID per request %q, want the first request and 2 reconnects resuming after 1", got)
	}
}

func TestStreamNoReconnectAfterTheEndOrAnErrorEvent(t *testing.T) {
	for name, final := range map[string]error{
		"end":         nil,
		"error event": marketv1http.NewAPIError(http.StatusConflict, "halted"),
	} {
		t.Run(name, func(t *testing.T) {
			impl := &market{streamQuotes: func(_ context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
				if err := sendIDs(s, 1); err != nil {
					return err
				}
				return final
			}}
			ts := startServer(t, impl)
			stream, err := ts.client(t, marketv1http.WithReconnect(quickReconnect)).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
			if err != nil {
				t.Fatal(err)
			}
			defer stream.Close()
			ids := collectIDs(stream)
			if !reflect.DeepEqual(ids, []string{"1"}) {
				t.Fatalf("ids %v", ids)
			}
			if final == nil && stream.Err() != nil {
				t.Fatalf("Err %v after the end event", stream.Err())
			}
			if final != nil {
				asAPIError(t, stream.Err())
			}
			if n := len(ts.recorded()); n != 1 {
				t.Fatalf("%d requests, want 1: the client reconnected", n)
			}
		})
	}
}

func TestStreamNoReconnectAfterANon2xxAnswer(t *testing.T) {
	var attempts atomic.Int32
	impl := &market{streamQuotes: func(ctx context.Context, _ *marketv1.StreamQuotesRequest, s marketv1http.SSESender) error {
		if attempts.Add(1) == 1 {
			if err := sendIDs(s, 1); err != nil {
				return err
			}
			return dropAfter(t, ctx)
		}
		return marketv1http.NewAPIError(http.StatusServiceUnavailable, "draining")
	}}
	ts := startServer(t, impl, marketv1http.WithHeartbeatInterval(0))
	stream, err := ts.client(t, marketv1http.WithReconnect(quickReconnect)).StreamQuotes(testCtx(t), &marketv1.StreamQuotesRequest{Symbol: "X"})
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	ids := collectIDs(stream)
	if !reflect.DeepEqual(ids, []string{"1"}) {
		t.Fatalf("ids %v", ids)
	}
	if e := asAPIError(t, stream.Err()); e.Status != http.StatusServiceUnavailable || e.Message != "draining" {
		t.Fatalf("Err %+v, want the 503", e)
	}
	if n := len(ts.recorded()); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
}
