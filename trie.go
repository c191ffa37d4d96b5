package zmq

import (
	"bytes"
	"slices"
)

// subTrie holds subscriptions: for each prefix, the pipes subscribed to it
// (libzmq's mtrie_t). For a publisher a pipe is subscribed to a prefix or
// not: a repeated subscribe changes nothing and one cancel removes it, as in
// libzmq. A counted trie (a SUB's own filter, with a nil pipe key) needs as
// many unsubscribes as subscribes (libzmq's trie_t).
//
// It is a radix tree: an edge holds a run of bytes, so a prefix costs about
// its own length plus one node, however long it is, and no walk recurses:
// a subscription of many megabytes is as safe as a short one.
type subTrie struct {
	root    trieNode
	n       int // distinct (prefix, pipe) pairs
	counted bool
}

// trieNode is a node of the tree. Every node but the root has a
// subscription or at least two children: a node left with neither is
// removed, and one left with a single child is joined with it.
//
// Labels are never written once made, so several may share an array: a
// split leaves the two parts in place, and joining them again costs
// nothing (see join).
type trieNode struct {
	label []byte      // the bytes of the edge from the parent; empty at the root
	keys  []byte      // the first byte of each child's label, ascending
	kids  []*trieNode // the children, in the order of keys
	pipes pipeSet
	total int // subscriptions at this node across pipes
}

// add subscribes p to prefix. first reports whether prefix had no
// subscription from any pipe before.
func (t *subTrie) add(prefix []byte, p *peerPipe) (first bool) {
	n := t.insert(prefix)
	i := n.pipes.find(p)
	if i < 0 {
		i = n.pipes.insert(p)
		t.n++
	} else if !t.counted {
		return false
	}
	n.pipes.subs[i].n++
	n.total++
	return n.total == 1
}

// insert returns the node for prefix, making it if there is none.
func (t *subTrie) insert(prefix []byte) *trieNode {
	n := &t.root
	for len(prefix) > 0 {
		i := n.child(prefix[0])
		if i < 0 {
			c := &trieNode{label: bytes.Clone(prefix)}
			n.insertChild(c)
			return c
		}
		c := n.kids[i]
		k := commonPrefix(c.label, prefix)
		if k < len(c.label) {
			c = n.split(i, k)
		}
		n, prefix = c, prefix[k:]
	}
	return n
}

// remove drops one subscription of p to prefix. found reports whether there
// was one; last whether prefix now has no subscription from any pipe.
func (t *subTrie) remove(prefix []byte, p *peerPipe) (found, last bool) {
	parent, i, n := t.lookup(prefix)
	if n == nil {
		return false, false
	}
	j := n.pipes.find(p)
	if j < 0 {
		return false, false
	}
	if n.pipes.subs[j].n--; n.pipes.subs[j].n == 0 {
		n.pipes.delete(j)
		t.n--
	}
	if n.total--; n.total > 0 {
		return true, false
	}
	if parent != nil && parent.tidy(i) && parent != &t.root {
		parent.joinOnlyChild()
	}
	return true, true
}

// lookup returns the node for prefix, or nil if there is none, with its
// parent and its index there (nil and 0 for the root).
func (t *subTrie) lookup(prefix []byte) (parent *trieNode, i int, n *trieNode) {
	n = &t.root
	for len(prefix) > 0 {
		if i = n.child(prefix[0]); i < 0 {
			return nil, 0, nil
		}
		c := n.kids[i]
		if !bytes.HasPrefix(prefix, c.label) {
			return nil, 0, nil
		}
		parent, n, prefix = n, c, prefix[len(c.label):]
	}
	return parent, i, n
}

// removePipe drops every subscription of p, calling gone for each prefix
// left with no subscription at all. gone must not keep prefix.
func (t *subTrie) removePipe(p *peerPipe, gone func(prefix []byte)) {
	t.walk(func(n *trieNode, prefix []byte) {
		if t.dropPipe(n, p) && gone != nil {
			gone(prefix)
		}
	}, (*trieNode).tidy)
}

// dropPipe removes p's subscriptions at n and reports whether that left n
// with none.
func (t *subTrie) dropPipe(n *trieNode, p *peerPipe) bool {
	i := n.pipes.find(p)
	if i < 0 {
		return false
	}
	n.total -= n.pipes.subs[i].n
	n.pipes.delete(i)
	t.n--
	return n.total == 0
}

// match calls fn for each pipe with a subscription that is a prefix of
// topic; a pipe may be reported more than once.
func (t *subTrie) match(topic []byte, fn func(p *peerPipe)) {
	for n := &t.root; n != nil; n, topic = n.descend(topic) {
		for _, s := range n.pipes.subs {
			fn(s.p)
		}
	}
}

// matches reports whether any subscription is a prefix of topic.
func (t *subTrie) matches(topic []byte) bool {
	for n := &t.root; n != nil; n, topic = n.descend(topic) {
		if n.total > 0 {
			return true
		}
	}
	return false
}

// each calls fn with every subscribed prefix once, in ascending order. fn
// must not keep prefix.
func (t *subTrie) each(fn func(prefix []byte)) {
	t.walk(func(n *trieNode, prefix []byte) {
		if n.total > 0 {
			fn(prefix)
		}
	}, nil)
}

// walk visits every node depth first, children in the order of their
// labels, with a stack of its own rather than recursion. It calls enter
// with each node and its prefix (valid only during the call) before the
// node's children; then, if leave is not nil, leave with the node's parent
// and its index there, which may remove the node and report so.
func (t *subTrie) walk(enter func(n *trieNode, prefix []byte), leave func(parent *trieNode, i int) (removed bool)) {
	type frame struct {
		n    *trieNode
		next int // the index of the next child to visit
	}
	var prefix []byte
	enter(&t.root, prefix)
	stack := []frame{{n: &t.root}}
	for {
		top := &stack[len(stack)-1]
		if top.next < len(top.n.kids) {
			c := top.n.kids[top.next]
			top.next++
			prefix = append(prefix, c.label...)
			enter(c, prefix)
			stack = append(stack, frame{n: c})
			continue
		}
		n := top.n
		stack = stack[:len(stack)-1]
		if len(stack) == 0 {
			return
		}
		prefix = prefix[:len(prefix)-len(n.label)]
		if up := &stack[len(stack)-1]; leave != nil && leave(up.n, up.next-1) {
			up.next--
		}
	}
}

// descend returns the child of n whose label begins rest, with rest past
// the label, or nil if there is none.
func (n *trieNode) descend(rest []byte) (*trieNode, []byte) {
	if len(rest) == 0 {
		return nil, nil
	}
	i := n.child(rest[0])
	if i < 0 {
		return nil, nil
	}
	c := n.kids[i]
	if !bytes.HasPrefix(rest, c.label) {
		return nil, nil
	}
	return c, rest[len(c.label):]
}

// child returns the index of the child whose label begins with b, or -1.
func (n *trieNode) child(b byte) int {
	if len(n.keys) > linearKeys {
		return bytes.IndexByte(n.keys, b)
	}
	for i, k := range n.keys {
		if k >= b {
			if k == b {
				return i
			}
			break
		}
	}
	return -1
}

// linearKeys is the most keys child scans itself; beyond, the vectorized
// bytes.IndexByte is faster.
const linearKeys = 16

// insertChild adds c as a child of n, in order.
func (n *trieNode) insertChild(c *trieNode) {
	i, _ := slices.BinarySearch(n.keys, c.label[0])
	n.keys = slices.Insert(n.keys, i, c.label[0])
	n.kids = slices.Insert(n.kids, i, c)
}

// removeChild removes child i of n.
func (n *trieNode) removeChild(i int) {
	if adjacent(n.label, n.kids[i].label) {
		// The child's bytes follow n's in one array: copy n's so that
		// they do not keep the child's alive.
		n.label = bytes.Clone(n.label)
	}
	n.keys = slices.Delete(n.keys, i, i+1)
	n.kids = slices.Delete(n.kids, i, i+1)
	if len(n.kids) == 0 {
		n.keys, n.kids = nil, nil
	}
}

// split cuts the label of child i after its first k bytes: a new node
// with those bytes takes the child's place, with the child below it. The
// two labels stay in the child's array.
func (n *trieNode) split(i, k int) *trieNode {
	c := n.kids[i]
	mid := &trieNode{label: c.label[:k], keys: []byte{c.label[k]}, kids: []*trieNode{c}}
	c.label = c.label[k:]
	n.kids[i] = mid
	return mid
}

// tidy restores the shape at child i of n after it lost subscriptions or
// children: a child with neither is removed, and one with a single child
// is joined with it. It reports whether it removed the child.
func (n *trieNode) tidy(i int) (removed bool) {
	c := n.kids[i]
	switch {
	case c.total > 0 || len(c.kids) > 1:
		return false
	case len(c.kids) == 1:
		c.absorb()
		return false
	}
	n.removeChild(i)
	return true
}

// joinOnlyChild joins n, which is not the root, with its child if it has
// no subscription and just one child.
func (n *trieNode) joinOnlyChild() {
	if n.total == 0 && len(n.kids) == 1 {
		n.absorb()
	}
}

// absorb replaces n by its only child, under a label that is both of
// theirs.
func (n *trieNode) absorb() {
	c := n.kids[0]
	label := join(n.label, c.label)
	*n = *c
	n.label = label
}

// join returns a followed by b: a itself, extended, if b already follows it
// in the same array, or else a copy.
func join(a, b []byte) []byte {
	if adjacent(a, b) {
		return a[:len(a)+len(b)]
	}
	out := make([]byte, len(a)+len(b))
	copy(out, a)
	copy(out[len(a):], b)
	return out
}

// adjacent reports whether b begins where a ends, in the same array.
func adjacent(a, b []byte) bool {
	return len(b) > 0 && cap(a)-len(a) >= len(b) && &a[:len(a)+1][len(a)] == &b[0]
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	if bytes.HasPrefix(b, a) {
		return len(a)
	}
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// pipeSet holds the subscriptions of each pipe at one node. A few pipes are
// found by a linear scan; beyond smallPipeSet an index is kept as well.
type pipeSet struct {
	subs  []pipeSub
	index map[*peerPipe]int // position in subs, once subs has outgrown smallPipeSet
}

// pipeSub is the number of subscriptions of one pipe.
type pipeSub struct {
	p *peerPipe
	n int
}

const smallPipeSet = 8

// find returns the position of p in subs, or -1.
func (s *pipeSet) find(p *peerPipe) int {
	if s.index != nil {
		if i, ok := s.index[p]; ok {
			return i
		}
		return -1
	}
	for i := range s.subs {
		if s.subs[i].p == p {
			return i
		}
	}
	return -1
}

// insert adds p, with no subscription yet, and returns its position.
func (s *pipeSet) insert(p *peerPipe) int {
	i := len(s.subs)
	s.subs = append(s.subs, pipeSub{p: p})
	switch {
	case s.index != nil:
		s.index[p] = i
	case len(s.subs) > smallPipeSet:
		s.index = make(map[*peerPipe]int, len(s.subs))
		for j, sub := range s.subs {
			s.index[sub.p] = j
		}
	}
	return i
}

// delete removes the pipe at position i; the last one takes its place.
func (s *pipeSet) delete(i int) {
	last := len(s.subs) - 1
	if s.index != nil {
		delete(s.index, s.subs[i].p)
		if i != last {
			s.index[s.subs[last].p] = i
		}
	}
	s.subs[i] = s.subs[last]
	s.subs[last] = pipeSub{}
	s.subs = s.subs[:last]
	if last <= smallPipeSet/2 {
		s.index = nil
	}
	if last == 0 {
		s.subs = nil
	}
}
