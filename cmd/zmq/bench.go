package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	zmq "github.com/zmq-go/zmq"
)

const benchUsage = `Usage: zmq bench [flags]

bench measures, in this one process, how fast messages go between two
sockets over each transport (inproc, ipc, tcp on 127.0.0.1), for a few
message sizes, and prints a table:

	msg/s, MB/s   throughput: one PUSH socket sends as fast as it can to
	              one PULL socket (MB: 10^6 bytes of message payload)
	latency µs    one REQ and one REP socket pass a message back and forth;
	              half the mean round trip, as libzmq's perf tools report it

It runs for about -time in all (shared equally among the measurements),
showing its progress on stderr. The figures are this machine's: other
programs running at the same time lower them.

Examples:

	zmq bench                        # about 40 seconds
	zmq bench -quick                 # about 6 seconds
	zmq bench -sizes 1k,1M -transports tcp -time 10s
`

// defaultBenchTime is the total run time of bench without -time.
const defaultBenchTime = 40 * time.Second

// quickBenchTime is the total run time of bench -quick.
const quickBenchTime = 6 * time.Second

// maxBenchSize bounds -sizes: larger messages would need gigabytes of
// queues.
const maxBenchSize = 64 << 20

// queueBytes bounds the bytes a measurement's queues hold: the high-water
// marks of large messages are lowered to stay within it.
const queueBytes = 64 << 20

var benchTransports = []string{"inproc", "ipc", "tcp"}

// A cell is one row of the table: a transport and a message size, with
// the figures measured.
type cell struct {
	transport string
	size      int
	rate      float64       // messages per second
	lat       time.Duration // one way
	err       error
}

func runBench(e *env, args []string) error {
	var (
		total      time.Duration
		quick      bool
		sizesFlag  string
		transports string
	)
	fs := newFlagSet(e.name)
	fs.DurationVar(&total, "time", defaultBenchTime, "run for about `duration` in all")
	fs.BoolVar(&quick, "quick", false, "a short run: -time "+quickBenchTime.String())
	fs.StringVar(&sizesFlag, "sizes", "64,64KiB", "message `sizes`, comma-separated, in bytes or with a k or M suffix (KiB, MiB)")
	fs.StringVar(&transports, "transports", strings.Join(benchTransports, ","), "the `transports` to measure")
	rest, err := e.parse(fs, benchUsage, args)
	if err != nil {
		return err
	}
	if quick {
		total = quickBenchTime
	}
	if len(rest) > 0 {
		return usagef("unexpected argument %q", rest[0])
	}
	if total <= 0 {
		return usagef("-time %v must be positive", total)
	}
	sizes, err := parseSizes(sizesFlag)
	if err != nil {
		return err
	}
	var cells []*cell
	var notes []string
	for _, tr := range strings.Split(transports, ",") {
		tr = strings.ToLower(strings.TrimSpace(tr))
		switch {
		case !slices.Contains(benchTransports, tr):
			return usagef("-transports: unknown transport %q (want %s)", tr, strings.Join(benchTransports, ","))
		case tr == "ipc" && !zmq.Has("ipc"):
			notes = append(notes, fmt.Sprintf("ipc skipped: this build has no ipc transport on %s.", runtime.GOOS))
			continue
		}
		for _, size := range sizes {
			cells = append(cells, &cell{transport: tr, size: size})
		}
	}
	if len(cells) == 0 {
		return usagef("nothing to measure")
	}
	per := max(total/time.Duration(2*len(cells)), time.Millisecond).Round(time.Millisecond)

	ctx, stop := signalContext()
	defer stop()
	major, minor, patch := zmq.Version()
	fmt.Fprintf(e.stdout, "zmq bench: messages between two sockets of one process, %s/%s, %d CPUs, %s, libzmq %d.%d.%d protocol\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), major, minor, patch)
	fmt.Fprintf(e.stdout, "each figure measured for %v; about %v in all\n\n", per, (per * time.Duration(2*len(cells))).Round(time.Second/10))

	started := time.Now()
	err = e.measure(ctx, cells, per)
	printTable(e.stdout, cells)
	fmt.Fprintf(e.stdout, "\nmsg/s, MB/s: one PUSH socket sending to one PULL socket as fast as it can (MB: 10^6 bytes of payload).\n")
	fmt.Fprintf(e.stdout, "latency: one REQ and one REP socket passing a message back and forth, half the mean round trip.\n")
	if slices.ContainsFunc(cells, func(c *cell) bool { return c.transport == "inproc" }) {
		fmt.Fprintf(e.stdout, "inproc hands messages over without copying them: its MB/s grows with the size.\n")
	}
	for _, n := range notes {
		fmt.Fprintln(e.stdout, n)
	}
	took := time.Since(started).Round(time.Second / 10)
	if errors.Is(err, errInterrupted) {
		fmt.Fprintf(e.stdout, "Interrupted after %v.\n", took)
	} else {
		fmt.Fprintf(e.stdout, "Done in %v.\n", took)
	}
	return err
}

// measure fills in the cells, two measurements each, showing progress.
func (e *env) measure(ctx context.Context, cells []*cell, per time.Duration) error {
	st := newStatus(e)
	defer st.clear()
	steps := 2 * len(cells)
	failed := 0
	for i, c := range cells {
		for j, what := range []string{"throughput", "latency"} {
			step := fmt.Sprintf("%s: [%d/%d] %s %s %s", e.name, 2*i+j+1, steps, c.transport, formatSize(c.size), what)
			var m meter
			done := make(chan error, 1)
			go func() {
				var err error
				if what == "throughput" {
					c.rate, err = throughput(ctx, c.transport, c.size, per, &m)
				} else {
					c.lat, err = latency(ctx, c.transport, c.size, per, &m)
				}
				done <- err
			}()
			err := e.follow(st, step, what, per, &m, done)
			if errors.Is(err, errInterrupted) {
				return err
			}
			if err != nil {
				c.err = err
				failed++
				st.println(fmt.Sprintf("%s: failed: %v", step, trimZMQ(err.Error())))
				break
			}
			if !st.term {
				st.println(step + ": " + formatResult(what, c))
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d measurements failed", failed, len(cells))
	}
	return nil
}

// follow shows a running measurement's progress until it ends with the
// error done delivers.
func (e *env) follow(st *status, step, what string, per time.Duration, m *meter, done <-chan error) error {
	if !st.term {
		return <-done
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	st.show(step + "...")
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
		}
		n, took := m.since()
		if n == 0 {
			continue
		}
		var now string
		if what == "throughput" {
			now = formatCount(float64(n)/took.Seconds()) + " msg/s"
		} else {
			now = formatMicros(took/time.Duration(2*n)) + " µs"
		}
		st.show(fmt.Sprintf("%s: %s (%.1fs of %.1fs)", step, now, took.Seconds(), per.Seconds()))
	}
}

// formatResult writes the result of one measurement of c.
func formatResult(what string, c *cell) string {
	if what == "throughput" {
		return formatCount(c.rate) + " msg/s"
	}
	return formatMicros(c.lat) + " µs"
}

// printTable writes the cells as a table.
func printTable(w io.Writer, cells []*cell) {
	const row = "%-9s  %7s  %13s  %10s  %10s\n"
	fmt.Fprintf(w, row, "transport", "size", "msg/s", "MB/s", "latency µs")
	for _, c := range cells {
		switch {
		case c.err != nil:
			fmt.Fprintf(w, "%-9s  %7s  failed: %s\n", c.transport, formatSize(c.size), trimZMQ(c.err.Error()))
		case c.rate == 0:
			fmt.Fprintf(w, row, c.transport, formatSize(c.size), "-", "-", "-")
		default:
			lat := "-"
			if c.lat > 0 {
				lat = formatMicros(c.lat)
			}
			mbs := c.rate * float64(c.size) / 1e6
			fmt.Fprintf(w, row, c.transport, formatSize(c.size), formatCount(c.rate), groupDigits(strconv.FormatFloat(mbs, 'f', 1, 64)), lat)
		}
	}
}

// parseSizes reads -sizes: sizes in bytes, with an optional k (KiB) or M
// (MiB) suffix.
func parseSizes(list string) ([]int, error) {
	var sizes []int
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		num := strings.TrimRight(s, "kKMiBb")
		unit := s[len(num):]
		mult := map[string]int{"": 1, "B": 1, "b": 1, "k": 1 << 10, "K": 1 << 10, "KB": 1 << 10, "kB": 1 << 10, "KiB": 1 << 10,
			"M": 1 << 20, "MB": 1 << 20, "MiB": 1 << 20}[unit]
		n, err := strconv.Atoi(num)
		if err != nil || mult == 0 || n < 0 || n > maxBenchSize/mult {
			return nil, usagef("-sizes: bad size %q (want bytes from 0 to 64M, such as 64, 1k or 1M)", s)
		}
		sizes = append(sizes, n*mult)
	}
	return sizes, nil
}

// formatSize writes a message size: 64 B, 64 KiB, 1 MiB.
func formatSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// formatCount writes a rate rounded to a whole number, digits grouped.
func formatCount(v float64) string {
	return groupDigits(strconv.FormatFloat(v, 'f', 0, 64))
}

// formatMicros writes a duration in microseconds with two decimals.
func formatMicros(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 2, 64)
}

// groupDigits puts commas between groups of three digits of the integer
// part of a decimal number: 1234567.8 becomes 1,234,567.8.
func groupDigits(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}
