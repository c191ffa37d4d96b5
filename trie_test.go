package zmq

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// trieModel is the reference the trie is checked against: for each prefix,
// the subscriptions of each pipe.
type trieModel struct {
	counted bool
	subs    map[string]map[*peerPipe]int
}

func newTrieModel(counted bool) *trieModel {
	return &trieModel{counted: counted, subs: map[string]map[*peerPipe]int{}}
}

func (m *trieModel) total(prefix string) int {
	n := 0
	for _, c := range m.subs[prefix] {
		n += c
	}
	return n
}

func (m *trieModel) add(prefix string, p *peerPipe) (first bool) {
	ps := m.subs[prefix]
	if ps == nil {
		ps = map[*peerPipe]int{}
		m.subs[prefix] = ps
	}
	if ps[p] > 0 && !m.counted {
		return false
	}
	first = m.total(prefix) == 0
	ps[p]++
	return first
}

func (m *trieModel) remove(prefix string, p *peerPipe) (found, last bool) {
	ps := m.subs[prefix]
	if ps[p] == 0 {
		return false, false
	}
	if ps[p]--; ps[p] == 0 {
		delete(ps, p)
	}
	if len(ps) == 0 {
		delete(m.subs, prefix)
		return true, true
	}
	return true, false
}

// removePipe returns the prefixes left with no subscription, sorted.
func (m *trieModel) removePipe(p *peerPipe) []string {
	var gone []string
	for prefix, ps := range m.subs {
		if ps[p] == 0 {
			continue
		}
		delete(ps, p)
		if len(ps) == 0 {
			delete(m.subs, prefix)
			gone = append(gone, prefix)
		}
	}
	slices.Sort(gone)
	return gone
}

// pairs is the number of distinct (prefix, pipe) pairs: the trie's n.
func (m *trieModel) pairs() int {
	n := 0
	for _, ps := range m.subs {
		n += len(ps)
	}
	return n
}

// prefixes returns the subscribed prefixes, sorted.
func (m *trieModel) prefixes() []string {
	out := make([]string, 0, len(m.subs))
	for prefix := range m.subs {
		out = append(out, prefix)
	}
	slices.Sort(out)
	return out
}

// match returns how many of each pipe's prefixes begin topic.
func (m *trieModel) match(topic string) map[*peerPipe]int {
	out := map[*peerPipe]int{}
	for prefix, ps := range m.subs {
		if strings.HasPrefix(topic, prefix) {
			for p := range ps {
				out[p]++
			}
		}
	}
	return out
}

// trieMatch returns what the trie reports for topic, counted per pipe.
func trieMatch(tr *subTrie, topic string) map[*peerPipe]int {
	out := map[*peerPipe]int{}
	tr.match([]byte(topic), func(p *peerPipe) { out[p]++ })
	return out
}

// triePrefixes returns the prefixes each reports, sorted.
func triePrefixes(tr *subTrie) []string {
	var out []string
	tr.each(func(prefix []byte) { out = append(out, string(prefix)) })
	slices.Sort(out)
	return out
}

// checkAgainst compares everything the trie reports with the model, for
// the given topics.
func checkAgainst(t *testing.T, tr *subTrie, m *trieModel, topics []string) {
	t.Helper()
	if tr.n != m.pairs() {
		t.Fatalf("n = %d, want %d", tr.n, m.pairs())
	}
	if got, want := triePrefixes(tr), m.prefixes(); !slices.Equal(got, want) {
		t.Fatalf("each = %q, want %q", got, want)
	}
	for _, topic := range topics {
		want := m.match(topic)
		if got := trieMatch(tr, topic); !mapsEqual(got, want) {
			t.Fatalf("match(%q) = %v, want %v", topic, got, want)
		}
		if got := tr.matches([]byte(topic)); got != (len(want) > 0) {
			t.Fatalf("matches(%q) = %v, want %v", topic, got, len(want) > 0)
		}
	}
	checkShape(t, tr)
}

func mapsEqual(a, b map[*peerPipe]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestTrieSplitsAndJoinsEdges(t *testing.T) {
	a, b := &peerPipe{}, &peerPipe{}
	var tr subTrie
	m := newTrieModel(false)
	topics := []string{"", "a", "ab", "abc", "abcdef", "abcdefg", "abx", "abxy", "b", "zzz"}
	steps := []struct {
		op     string // "+" add, "-" remove, "x" removePipe
		prefix string
		p      *peerPipe
	}{
		{"+", "abcdef", a},
		{"+", "abc", a},    // splits abcdef
		{"+", "abx", b},    // splits abc below ab
		{"+", "abcdef", b}, // an existing node
		{"+", "", a},       // the root
		{"-", "abc", a},    // abc joins def again
		{"+", "a", b},      // splits ab
		{"-", "abx", b},    // ab joins c
		{"+", "abcdefg", a},
		{"-", "abcdef", a},
		{"x", "", b},
		{"-", "a", b},
		{"-", "abcdefg", a},
		{"-", "", a},
	}
	for _, s := range steps {
		switch s.op {
		case "+":
			if got, want := tr.add([]byte(s.prefix), s.p), m.add(s.prefix, s.p); got != want {
				t.Fatalf("add(%q): first = %v, want %v", s.prefix, got, want)
			}
		case "-":
			gf, gl := tr.remove([]byte(s.prefix), s.p)
			wf, wl := m.remove(s.prefix, s.p)
			if gf != wf || gl != wl {
				t.Fatalf("remove(%q) = %v, %v, want %v, %v", s.prefix, gf, gl, wf, wl)
			}
		case "x":
			var gone []string
			tr.removePipe(s.p, func(prefix []byte) { gone = append(gone, string(prefix)) })
			slices.Sort(gone)
			if want := m.removePipe(s.p); !slices.Equal(gone, want) {
				t.Fatalf("removePipe: gone %q, want %q", gone, want)
			}
		}
		checkAgainst(t, &tr, m, topics)
	}
	if tr.n != 0 || len(tr.root.kids) != 0 {
		t.Fatalf("trie not empty: n = %d, %d children", tr.n, len(tr.root.kids))
	}
}

// TestTrieRandom applies random operations on short prefixes over a small
// alphabet, so that edges are shared, split and joined often, and checks
// the trie against the model after each.
func TestTrieRandom(t *testing.T) {
	for _, counted := range []bool{false, true} {
		t.Run(fmt.Sprintf("counted=%v", counted), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(t.Name()))))
			pipes := []*peerPipe{{}, {}, {}, {}}
			randPrefix := func() string {
				b := make([]byte, rng.IntN(7))
				for i := range b {
					b[i] = "abc"[rng.IntN(3)]
				}
				return string(b)
			}
			var topics []string
			for range 40 {
				topics = append(topics, randPrefix()+randPrefix())
			}
			tr := subTrie{counted: counted}
			m := newTrieModel(counted)
			for i := range 4000 {
				prefix, p := randPrefix(), pipes[rng.IntN(len(pipes))]
				switch r := rng.IntN(100); {
				case r < 55:
					if got, want := tr.add([]byte(prefix), p), m.add(prefix, p); got != want {
						t.Fatalf("op %d add(%q): first = %v, want %v", i, prefix, got, want)
					}
				case r < 97:
					gf, gl := tr.remove([]byte(prefix), p)
					wf, wl := m.remove(prefix, p)
					if gf != wf || gl != wl {
						t.Fatalf("op %d remove(%q) = %v, %v, want %v, %v", i, prefix, gf, gl, wf, wl)
					}
				default:
					var gone []string
					tr.removePipe(p, func(prefix []byte) { gone = append(gone, string(prefix)) })
					slices.Sort(gone)
					if want := m.removePipe(p); !slices.Equal(gone, want) {
						t.Fatalf("op %d removePipe: gone %q, want %q", i, gone, want)
					}
				}
				checkAgainst(t, &tr, m, topics)
			}
			for _, p := range pipes {
				tr.removePipe(p, nil)
				m.removePipe(p)
			}
			checkAgainst(t, &tr, m, topics)
			if tr.n != 0 || len(tr.root.kids) != 0 || tr.root.total != 0 {
				t.Fatal("trie not empty after every pipe left")
			}
		})
	}
}

// TestTrieManyPipes puts more pipes on one prefix than a small set holds,
// and removes them in an order unlike the one they came in.
func TestTrieManyPipes(t *testing.T) {
	var tr subTrie
	m := newTrieModel(false)
	pipes := make([]*peerPipe, 100)
	for i := range pipes {
		pipes[i] = &peerPipe{}
		tr.add([]byte("t"), pipes[i])
		m.add("t", pipes[i])
		tr.add([]byte(fmt.Sprint("t", i%7)), pipes[i])
		m.add(fmt.Sprint("t", i%7), pipes[i])
	}
	topics := []string{"t", "t0", "t3x", "u"}
	checkAgainst(t, &tr, m, topics)
	for i := range pipes {
		p := pipes[(i*37)%len(pipes)]
		if i%2 == 0 {
			tr.removePipe(p, nil)
			m.removePipe(p)
		} else {
			tr.remove([]byte("t"), p)
			m.remove("t", p)
		}
		checkAgainst(t, &tr, m, topics)
	}
}

// heapInUse returns the bytes of live heap after a collection.
func heapInUse() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// A 16 MiB subscription costs about its own size, and every walk of the
// trie survives it: none recurses per byte.
func TestTrieHugeTopic(t *testing.T) {
	const size = 16 << 20
	topic := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	limit := int64(3*size + 1<<20)
	for _, counted := range []bool{false, true} {
		t.Run(fmt.Sprintf("counted=%v", counted), func(t *testing.T) {
			p := &peerPipe{}
			if counted {
				p = nil
			}
			tr := &subTrie{counted: counted}
			before := heapInUse()
			tr.add(topic, p)
			grown := heapInUse() - before
			t.Logf("a %d MiB topic: the heap grew by %d bytes", size>>20, grown)
			if grown > limit {
				t.Fatalf("a %d MiB topic grew the heap by %d MiB", size>>20, grown>>20)
			}
			// Prefixes that share the huge edge and split it.
			tr.add(topic[:size/2], p)
			tr.add(append(topic[:size-1:size-1], 'x'), p)
			grown = heapInUse() - before
			t.Logf("with two more that split its edge: %d bytes", grown)
			if grown > 2*limit {
				t.Fatalf("three huge topics grew the heap by %d MiB", grown>>20)
			}
			if !tr.matches(topic) || tr.matches(topic[:size/2-1]) {
				t.Fatal("matches wrong")
			}
			n := 0
			tr.each(func(prefix []byte) {
				if !bytes.Equal(prefix, topic[:len(prefix)]) && !bytes.HasSuffix(prefix, []byte("x")) {
					t.Errorf("each: wrong prefix of %d bytes", len(prefix))
				}
				n++
			})
			if n != 3 {
				t.Fatalf("each reported %d prefixes, want 3", n)
			}
			gone := 0
			tr.removePipe(p, func(prefix []byte) { gone++ })
			if gone != 3 || tr.n != 0 || len(tr.root.kids) != 0 {
				t.Fatalf("removePipe: %d gone, n = %d", gone, tr.n)
			}
			runtime.KeepAlive(tr)
		})
	}
}

// benchTopics returns n distinct subscription topics of 6 to 12 bytes that
// share prefixes as real topic names do.
func benchTopics(n int) [][]byte {
	rng := rand.New(rand.NewPCG(7, 7))
	seen := map[string]bool{}
	var out [][]byte
	for len(out) < n {
		b := fmt.Appendf(nil, "%s.%x", []string{"px", "trade", "quote", "news"}[rng.IntN(4)], rng.Uint32()%(1<<(4+rng.IntN(20))))
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, b)
		}
	}
	return out
}

// BenchmarkTrieMatch matches a topic against a publisher's trie of 1, 100
// and 10000 subscriptions from 100 subscribers, as PUB's send does: one
// subscription is a prefix of the topic (hit) or none is (miss).
func BenchmarkTrieMatch(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		var tr subTrie
		pipes := make([]*peerPipe, 100)
		for i := range pipes {
			pipes[i] = &peerPipe{}
		}
		topics := benchTopics(n)
		for i, topic := range topics {
			tr.add(topic, pipes[i%len(pipes)])
		}
		hit := append(slices.Clip(topics[n/2]), ".payload-of-the-message"...)
		miss := []byte("weather.report.of.the.day")
		for _, c := range []struct {
			name  string
			topic []byte
		}{{"hit", hit}, {"miss", miss}} {
			b.Run(fmt.Sprintf("subs=%d/%s", n, c.name), func(b *testing.B) {
				found := 0
				fn := func(*peerPipe) { found++ }
				for b.Loop() {
					tr.match(c.topic, fn)
				}
				if c.name == "hit" && found == 0 {
					b.Fatal("no match")
				}
			})
		}
	}
}

// BenchmarkTrieMatchFanout matches against 10000 random 3-byte
// subscriptions: the nodes near the root have up to 256 children.
func BenchmarkTrieMatchFanout(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	var tr subTrie
	p := &peerPipe{}
	topics := make([][]byte, 10000)
	for i := range topics {
		topics[i] = []byte{byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())}
		tr.add(topics[i], p)
	}
	fn := func(*peerPipe) {}
	i := 0
	for b.Loop() {
		tr.match(topics[i%len(topics)], fn)
		i++
	}
}

// BenchmarkTrieMatches is SUB's filter: a counted trie of 1, 100 and 10000
// subscriptions asked about a topic that matches one or none.
func BenchmarkTrieMatches(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		tr := subTrie{counted: true}
		topics := benchTopics(n)
		for _, topic := range topics {
			tr.add(topic, nil)
		}
		hit := append(slices.Clip(topics[n/2]), ".payload-of-the-message"...)
		miss := []byte("weather.report.of.the.day")
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			for b.Loop() {
				if !tr.matches(hit) || tr.matches(miss) {
					b.Fatal("wrong")
				}
			}
		})
	}
}

// checkShape checks the invariants of the tree: the keys are the children's
// first bytes in ascending order, totals are the sums of the pipes' counts,
// and every node but the root has a subscription or two children.
func checkShape(t *testing.T, tr *subTrie) {
	t.Helper()
	tr.walk(func(n *trieNode, prefix []byte) {
		sum := 0
		for _, s := range n.pipes.subs {
			if s.n <= 0 || (!tr.counted && s.n != 1) {
				t.Fatalf("%q: pipe with %d subscriptions", prefix, s.n)
			}
			sum += s.n
		}
		if sum != n.total {
			t.Fatalf("%q: total %d, pipes hold %d", prefix, n.total, sum)
		}
		if n.pipes.index != nil {
			for i, s := range n.pipes.subs {
				if n.pipes.index[s.p] != i || len(n.pipes.index) != len(n.pipes.subs) {
					t.Fatalf("%q: pipe index out of step", prefix)
				}
			}
		}
		if len(n.keys) != len(n.kids) || !slices.IsSorted(n.keys) {
			t.Fatalf("%q: keys %q for %d children", prefix, n.keys, len(n.kids))
		}
		for i, c := range n.kids {
			if len(c.label) == 0 || c.label[0] != n.keys[i] || (i > 0 && n.keys[i-1] == n.keys[i]) {
				t.Fatalf("%q: child %d has label %q under key %q", prefix, i, c.label, n.keys[i])
			}
		}
		if n != &tr.root && n.total == 0 && len(n.kids) < 2 {
			t.Fatalf("%q: node with no subscription and %d children", prefix, len(n.kids))
		}
	}, nil)
}
