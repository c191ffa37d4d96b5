//go:build load

package load

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain raises the descriptor limit for every test, and turns the test
// binary into the client swarm of TestIdleConnections when it is started
// as one (see swarm_test.go).
func TestMain(m *testing.M) {
	noFileErr = raiseNoFile()
	if os.Getenv(swarmEnv) != "" {
		os.Exit(runSwarm())
	}
	os.Exit(m.Run())
}

// noFileErr is why RLIMIT_NOFILE could not be raised, if it could not.
var noFileErr error

// raiseNoFile raises the soft RLIMIT_NOFILE to the hard limit. Child
// processes (the swarm, the pyzmq peer) inherit it.
func raiseNoFile() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	return nil
}

// needFiles fails the test unless this process may open n descriptors.
func needFiles(t *testing.T, n uint64) {
	t.Helper()
	if noFileErr != nil {
		t.Fatalf("raising RLIMIT_NOFILE: %v", noFileErr)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur < n {
		t.Fatalf("this test needs %d file descriptors, but RLIMIT_NOFILE is %d (hard limit %d): raise the hard limit (ulimit -Hn) and run it again", n, lim.Cur, lim.Max)
	}
}

// A usage is what the process uses at one moment.
type usage struct {
	heapInuse  uint64 // runtime.MemStats.HeapInuse: bytes in in-use heap spans
	heapAlloc  uint64 // runtime.MemStats.HeapAlloc: live heap objects after GC
	stackInuse uint64 // goroutine stacks
	rss        uint64 // VmRSS of /proc/self/status
	goroutines int
	fds        int // entries of /proc/self/fd
}

// measure collects garbage (twice, so that sync.Pool's victim cache is
// emptied too), returns freed memory to the operating system when
// release is set, and reads the process's usage.
func measure(release bool) usage {
	runtime.GC()
	runtime.GC()
	if release {
		debug.FreeOSMemory()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return usage{
		heapInuse:  ms.HeapInuse,
		heapAlloc:  ms.HeapAlloc,
		stackInuse: ms.StackInuse,
		rss:        selfRSS(),
		goroutines: runtime.NumGoroutine(),
		fds:        openFDs(),
	}
}

func (u usage) String() string {
	return fmt.Sprintf("heap in use %s, live heap %s, stacks %s, RSS %s, %d goroutines, %d fds",
		mib(u.heapInuse), mib(u.heapAlloc), mib(u.stackInuse), mib(u.rss), u.goroutines, u.fds)
}

// selfRSS returns this process's resident set size.
func selfRSS() uint64 { return procRSS("self") }

// procRSS returns the VmRSS of a process ("self" or a pid), or 0.
func procRSS(pid string) uint64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			f := strings.Fields(rest) // "123456 kB"
			if len(f) >= 1 {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// openFDs counts this process's open file descriptors (the directory
// listing itself holds one while it is read, not counted).
func openFDs() int {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return -1
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	return len(names) - 1
}

// waitFor polls cond every few milliseconds until it holds or limit has
// passed, and reports whether it held.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// waitGoroutines waits (at most limit) until no more than n goroutines
// run, and fails the test with their stacks otherwise.
func waitGoroutines(t *testing.T, n int, limit time.Duration, what string) {
	t.Helper()
	if waitFor(limit, func() bool { return runtime.NumGoroutine() <= n }) {
		return
	}
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	if len(buf) > 64<<10 {
		buf = append(buf[:64<<10], "\n...(cut)"...)
	}
	t.Fatalf("%s: %d goroutines, want at most %d after %v:\n%s", what, runtime.NumGoroutine(), n, limit, buf)
}

// waitFDs waits (at most limit) until no more than n descriptors are open.
func waitFDs(t *testing.T, n int, limit time.Duration, what string) {
	t.Helper()
	if !waitFor(limit, func() bool { return openFDs() <= n }) {
		t.Fatalf("%s: %d open file descriptors, want at most %d after %v", what, openFDs(), n, limit)
	}
}

// mib formats a byte count in MiB.
func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// perConn formats the growth from before to after, divided among n
// connections, in KiB. The growth may be negative.
func perConn(before, after uint64, n int) string {
	return fmt.Sprintf("%.1f KiB", perConnKiB(before, after, n))
}

func perConnKiB(before, after uint64, n int) float64 {
	return (float64(after) - float64(before)) / float64(n) / 1024
}

// percentile returns the p-th percentile (0-100) of ds, which it sorts.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(math.Ceil(p/100*float64(len(ds)))) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// slope fits y = a + b*x by least squares and returns b.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// mean returns the arithmetic mean of ys.
func mean(ys []float64) float64 {
	var s float64
	for _, y := range ys {
		s += y
	}
	return s / float64(len(ys))
}
