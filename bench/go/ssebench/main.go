// Command ssebench runs the Go benchmarks and writes their figures as JSON (bench/report.py
// turns them into docs/benchmarks.md):
//
//	ssebench parser  -out FILE   generated decoder vs github.com/tmaxmax/go-sse, in memory
//	ssebench stream  -out FILE   generated server -> generated client vs net/http -> bufio, loopback
//	ssebench unary   -out FILE   generated server (and client) vs a hand-written net/http handler
//
// A child mode (`ssebench read-*`) reads one stream in its own process, so its peak RSS is the
// reader's alone.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	sse "github.com/tmaxmax/go-sse"
	"google.golang.org/protobuf/encoding/protojson"

	benchv1 "example.com/ssegen/bench/gen/benchssev1"
	"example.com/ssegen/bench/gen/benchssev1/benchssev1http"
)

type summary struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
}

// startCPUProfile profiles this process until the returned function is called.
func startCPUProfile(path string) (stop func()) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		panic(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

func summarize(samples []float64) summary {
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return summary{Median: m, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ssebench parser|stream|unary|read-ssegen|read-bufio [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	flags := flag.NewFlagSet(mode, flag.ExitOnError)
	out := flags.String("out", "", "results file (JSON)")
	reps := flags.Int("reps", 5, "repetitions, interleaved")
	scale := flags.Float64("scale", 1, "multiplies the stream sizes (smoke runs use a small one)")
	url := flags.String("url", "", "stream URL (read-* modes)")
	cpuProfile := flags.String("cpuprofile", "", "write this process's CPU profile here (for `go tool pprof`)")
	_ = flags.Parse(os.Args[2:])
	if *cpuProfile != "" {
		stop := startCPUProfile(*cpuProfile)
		defer stop()
	}
	var result any
	switch mode {
	case "parser":
		result = parserBench(*reps, *scale)
	case "stream":
		result = streamBench(*reps, *scale)
	case "unary":
		result = unaryBench(*reps, *scale)
	case "read-ssegen", "read-bufio":
		readChild(mode, *url)
		return
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
	data, _ := json.MarshalIndent(result, "", " ")
	if *out == "" {
		os.Stdout.Write(append(data, '\n'))
		return
	}
	if err := os.WriteFile(*out, append(data, '\n'), 0o644); err != nil {
		panic(err)
	}
}

// Parser ------------------------------------------------------------------------------------

func smallEvents(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "id: %d\nevent: quote\ndata: {\"symbol\":\"ACME\",\"price\":%d.25,\"size\":%d,\"venue\":\"XNAS\"}\n\n", i, 100+i%50, i%1000)
	}
	return b.Bytes()
}

func bigEvents(n, size int) []byte {
	body := `{"blob":"` + strings.Repeat("x", size-12) + `"}`
	return bytes.Repeat([]byte("data: "+body+"\n\n"), n)
}

// chunked hands out at most n bytes a Read, as a network connection would, until the
// stream or the time budget ends (the budget keeps 1 MiB events in 1-byte reads bounded).
type chunked struct {
	b        []byte
	n        int
	read     int
	deadline time.Time
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 || (c.read%4096 == 0 && time.Now().After(c.deadline)) {
		return 0, io.EOF
	}
	c.read++
	k := min(len(p), c.n, len(c.b))
	copy(p, c.b[:k])
	c.b = c.b[k:]
	return k, nil
}

type parserRun struct {
	seconds, events, mallocs, allocBytes, bytes float64
	whole                                       bool
}

const parserBudget = 3 * time.Second

func measureParser(decode func(io.Reader) (int, error), stream []byte, chunk int) parserRun {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := &chunked{b: stream, n: chunk, deadline: start.Add(parserBudget)}
	events, err := decode(r)
	elapsed := time.Since(start).Seconds()
	runtime.ReadMemStats(&after)
	if err != nil && len(r.b) == 0 { // a stream cut by the budget may end inside an event
		panic(err)
	}
	return parserRun{elapsed, float64(events), float64(after.Mallocs - before.Mallocs),
		float64(after.TotalAlloc - before.TotalAlloc), float64(len(stream) - len(r.b)), len(r.b) == 0}
}

func parserBench(reps int, scale float64) map[string]any {
	streams := []struct {
		name   string
		stream []byte
		max    int
	}{
		{"small events", smallEvents(max(100, int(40000*scale))), 1 << 20},
		{"1 MiB events", bigEvents(max(1, int(8*scale)), 1<<20), 2 << 20},
	}
	results := map[string]any{}
	for _, s := range streams {
		parsers := map[string]func(io.Reader) (int, error){
			"ssegen": func(r io.Reader) (int, error) {
				n, _, err := benchssev1http.DecodeAll(r, 16<<20)
				return n, err
			},
			"go-sse": func(r io.Reader) (int, error) {
				n := 0
				for _, err := range sse.Read(r, &sse.ReadConfig{MaxEventSize: s.max}) {
					if err != nil {
						return n, err
					}
					n++
				}
				return n, nil
			},
		}
		names := []string{"ssegen", "go-sse"}
		for _, chunk := range []int{1, 16, 1024, 65536} {
			runs := map[string][]parserRun{}
			for rep := 0; rep < reps; rep++ {
				order := names
				if rep%2 == 1 {
					order = []string{names[1], names[0]}
				}
				for _, name := range order {
					runs[name] = append(runs[name], measureParser(parsers[name], s.stream, chunk))
				}
			}
			entry := map[string]any{}
			for name, rs := range runs {
				var mbs, evs, allocs, allocBytes []float64
				whole := true
				for _, r := range rs {
					mbs = append(mbs, r.bytes/r.seconds/1e6)
					evs = append(evs, r.events/r.seconds)
					events := max(r.events, 1)
					allocs = append(allocs, r.mallocs/events)
					allocBytes = append(allocBytes, r.allocBytes/events)
					whole = whole && r.whole
				}
				entry[name] = map[string]any{"mbPerS": summarize(mbs), "eventsPerS": summarize(evs),
					"allocsPerEvent": summarize(allocs), "allocBytesPerEvent": summarize(allocBytes), "wholeStream": whole}
			}
			key := fmt.Sprintf("%s, %d B chunks", s.name, chunk)
			results[key] = entry
			fmt.Fprintf(os.Stderr, "%s: ssegen %.1f MB/s, go-sse %.1f MB/s\n", key,
				entry["ssegen"].(map[string]any)["mbPerS"].(summary).Median, entry["go-sse"].(map[string]any)["mbPerS"].(summary).Median)
		}
	}
	return map[string]any{"results": results, "peer": "github.com/tmaxmax/go-sse v0.11.0", "goVersion": runtime.Version()}
}

// Streams -----------------------------------------------------------------------------------

type benchServer struct{}

func item(i, size int) *benchv1.Item {
	return &benchv1.Item{Symbol: "ACME", Price: 100.25, Sequence: int64(i), Payload: strings.Repeat("x", size)}
}

func (benchServer) Echo(_ context.Context, req *benchv1.Item) (*benchv1.Item, error) { return req, nil }

func (benchServer) Stream(ctx context.Context, req *benchv1.StreamRequest, s benchssev1http.SSESender) error {
	payload := strings.Repeat("x", int(req.GetSize()))
	msg := &benchv1.Item{Symbol: "ACME", Price: 100.25, Payload: payload}
	for i := 0; i < int(req.GetCount()); i++ {
		msg.Sequence = int64(i)
		if err := s.Send(msg); err != nil {
			return err
		}
	}
	return nil
}

// rawStream writes the same frames as the generated server, with net/http alone.
func rawStream(w http.ResponseWriter, r *http.Request) {
	count, _ := strconv.Atoi(r.URL.Query().Get("count"))
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	msg := &benchv1.Item{Symbol: "ACME", Price: 100.25, Payload: strings.Repeat("x", size)}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher := w.(http.Flusher)
	var frame []byte
	for i := 0; i < count; i++ {
		msg.Sequence = int64(i)
		data, err := protojson.Marshal(msg)
		if err != nil {
			return
		}
		frame = append(append(append(frame[:0], "data: "...), data...), "\n\n"...)
		if _, err := w.Write(frame); err != nil {
			return
		}
		flusher.Flush()
	}
}

func rawUnary(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var msg benchv1.Item
	if err := protojson.Unmarshal(body, &msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	out, _ := protojson.Marshal(&msg)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

func serve() (base string, stop func()) {
	mux := http.NewServeMux()
	if err := benchssev1http.RegisterBenchServiceServer(benchServer{}, benchssev1http.WithMux(mux)); err != nil {
		panic(err)
	}
	mux.HandleFunc("GET /raw/stream", rawStream)
	mux.HandleFunc("POST /raw/echo", rawUnary)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }
}

// readSSEGen reads a stream with the generated client and returns the events read.
func readSSEGen(base string, count, size int) int {
	client := benchssev1http.NewBenchServiceClient(base)
	stream, err := client.Stream(context.Background(), &benchv1.StreamRequest{Count: int32(count), Size: int32(size)})
	if err != nil {
		panic(err)
	}
	defer stream.Close()
	n := 0
	for stream.Next() {
		n++
	}
	if err := stream.Err(); err != nil {
		panic(err)
	}
	return n
}

// readBufio reads a stream of data-only frames with bufio and protojson: the baseline reader.
func readBufio(url string) int {
	resp, err := http.Get(url)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	n := 0
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return n
		}
		if err != nil {
			panic(err)
		}
		if data, ok := bytes.CutPrefix(line, []byte("data: ")); ok {
			var msg benchv1.Item
			if err := protojson.Unmarshal(data[:len(data)-1], &msg); err != nil {
				panic(err)
			}
			n++
		}
	}
}

func readChild(mode, url string) {
	u := url
	var n int
	if mode == "read-ssegen" {
		i := strings.Index(u, "/bench/stream?")
		q := u[i+len("/bench/stream?"):]
		var count, size int
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			x, _ := strconv.Atoi(v)
			if k == "count" {
				count = x
			} else {
				size = x
			}
		}
		n = readSSEGen(u[:i], count, size)
	} else {
		n = readBufio(u)
	}
	fmt.Println(n)
}

// readerRun is one reader's run in its own process.
type readerRun struct {
	eventsPerS, peakRSSKiB float64
	// CPU time (user + system) per event of the reader process and of this one, which serves
	// the stream: less sensitive than events/s to the other work on the machine.
	readerCPUus, serverCPUus float64
}

// runReader runs one reader in its own process.
func runReader(mode, url string, count int) readerRun {
	cmd := exec.Command(os.Args[0], mode, "-url", url)
	cmd.Stderr = os.Stderr
	serverBefore := selfCPU()
	start := time.Now()
	out, err := cmd.Output()
	elapsed := time.Since(start).Seconds()
	serverCPU := selfCPU() - serverBefore
	if err != nil {
		panic(fmt.Sprintf("%s: %v", mode, err))
	}
	if got, _ := strconv.Atoi(strings.TrimSpace(string(out))); got != count {
		panic(fmt.Sprintf("%s read %d events, want %d", mode, got, count))
	}
	usage := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	readerCPU := (time.Duration(usage.Utime.Nano()) + time.Duration(usage.Stime.Nano())).Seconds()
	return readerRun{eventsPerS: float64(count) / elapsed, peakRSSKiB: float64(usage.Maxrss),
		readerCPUus: readerCPU / float64(count) * 1e6, serverCPUus: serverCPU / float64(count) * 1e6}
}

// selfCPU is this process's CPU time so far, in seconds.
func selfCPU() float64 {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		panic(err)
	}
	return (time.Duration(usage.Utime.Nano()) + time.Duration(usage.Stime.Nano())).Seconds()
}

// readerNames names each reader mode's pair in the results.
var readerNames = map[string]string{"read-ssegen": "generated server -> generated client", "read-bufio": "net/http writer -> bufio + protojson"}

func streamBench(reps int, scale float64) map[string]any {
	base, stop := serve()
	defer stop()
	// A rep of the small-event and the 8 MiB streams takes a second or two: they have three times
	// the reps, or their medians would be a few seconds of a machine shared with other work.
	cases := []struct {
		name        string
		count, size int
		repFactor   int // reps of this case per rep of -reps
	}{
		{"small events", max(1000, int(200000*scale)), 16, 3},
		{"1M events", max(1000, int(1000000*scale)), 16, 1},
		{"8 MiB events", max(2, int(16*scale)), 8 << 20, 3},
	}
	results := map[string]any{}
	for _, c := range cases {
		if c.name == "1M events" && scale < 1 {
			continue
		}
		query := fmt.Sprintf("?count=%d&size=%d", c.count, c.size)
		readers := map[string]string{
			"read-ssegen": base + "/bench/stream" + query,
			"read-bufio":  base + "/raw/stream" + query,
		}
		runs := map[string][]readerRun{}
		for rep := 0; rep < reps*c.repFactor; rep++ {
			order := []string{"read-ssegen", "read-bufio"}
			if rep%2 == 1 {
				order = []string{"read-bufio", "read-ssegen"}
			}
			for _, mode := range order {
				runs[mode] = append(runs[mode], runReader(mode, readers[mode], c.count))
			}
		}
		entry := map[string]any{"count": c.count, "payloadBytes": c.size}
		for mode := range readers {
			name := readerNames[mode]
			var rates, rss, readerCPU, serverCPU []float64
			for _, r := range runs[mode] {
				rates, rss = append(rates, r.eventsPerS), append(rss, r.peakRSSKiB)
				readerCPU, serverCPU = append(readerCPU, r.readerCPUus), append(serverCPU, r.serverCPUus)
			}
			entry[name] = map[string]any{"eventsPerS": summarize(rates), "peakRSSKiB": summarize(rss),
				"readerCPUMicrosPerEvent": summarize(readerCPU), "serverCPUMicrosPerEvent": summarize(serverCPU)}
		}
		results[c.name] = entry
		for _, mode := range []string{"read-ssegen", "read-bufio"} {
			e := entry[readerNames[mode]].(map[string]any)
			fmt.Fprintf(os.Stderr, "%s, %s: %.0f ev/s, %.0f KiB, CPU µs/event reader %.2f server %.2f\n", c.name, mode,
				e["eventsPerS"].(summary).Median, e["peakRSSKiB"].(summary).Median,
				e["readerCPUMicrosPerEvent"].(summary).Median, e["serverCPUMicrosPerEvent"].(summary).Median)
		}
	}
	return map[string]any{"results": results, "goVersion": runtime.Version(),
		"note": "each reader runs in its own process (peak RSS is the reader's); the server is the parent"}
}

// Unary -------------------------------------------------------------------------------------

// hammer sends POSTs from `workers` goroutines for `d` and returns requests/s.
func hammer(workers int, d time.Duration, call func() error) float64 {
	var done atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := call(); err != nil {
					panic(err)
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / d.Seconds()
}

func unaryBench(reps int, scale float64) map[string]any {
	base, stop := serve()
	defer stop()
	body, _ := protojson.Marshal(item(1, 64))
	transport := &http.Transport{MaxIdleConnsPerHost: 16}
	httpClient := &http.Client{Transport: transport}
	post := func(path string) func() error {
		return func() error {
			resp, err := httpClient.Post(base+path, "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var msg benchv1.Item
			data, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != 200 {
				return fmt.Errorf("status %d: %v", resp.StatusCode, err)
			}
			return protojson.Unmarshal(data, &msg)
		}
	}
	generated := benchssev1http.NewBenchServiceClient(base, benchssev1http.WithHTTPClient(httpClient))
	req := item(1, 64)
	calls := map[string]func() error{
		"generated server, net/http client":    post("/bench/echo"),
		"hand-written server, net/http client": post("/raw/echo"),
		"generated server, generated client": func() error {
			_, err := generated.Echo(context.Background(), req)
			return err
		},
	}
	names := []string{"generated server, net/http client", "hand-written server, net/http client", "generated server, generated client"}
	d := time.Duration(float64(2*time.Second) * min(scale, 1))
	samples := map[string][]float64{}
	for rep := 0; rep < reps; rep++ {
		for i := range names {
			name := names[(i+rep)%len(names)]
			samples[name] = append(samples[name], hammer(4, d, calls[name]))
		}
	}
	results := map[string]any{}
	for name, s := range samples {
		results[name] = map[string]any{"requestsPerS": summarize(s)}
		fmt.Fprintf(os.Stderr, "unary %s: %.0f req/s\n", name, summarize(s).Median)
	}
	return map[string]any{"results": results, "workers": 4, "seconds": d.Seconds(), "goVersion": runtime.Version()}
}
