package zmq

// subTrie holds subscriptions: for each prefix, the pipes subscribed to it
// (libzmq's mtrie_t). For a publisher a pipe is subscribed to a prefix or
// not: a repeated subscribe changes nothing and one cancel removes it, as in
// libzmq. A counted trie (a SUB's own filter, with a nil pipe key) needs as
// many unsubscribes as subscribes (libzmq's trie_t).
type subTrie struct {
	root    trieNode
	n       int // distinct (prefix, pipe) pairs
	counted bool
}

type trieNode struct {
	children map[byte]*trieNode
	pipes    map[*peerPipe]int
	total    int // subscriptions at this node across pipes
}

// add subscribes p to prefix. first reports whether prefix had no
// subscription from any pipe before.
func (t *subTrie) add(prefix []byte, p *peerPipe) (first bool) {
	n := &t.root
	for _, b := range prefix {
		if n.children == nil {
			n.children = make(map[byte]*trieNode)
		}
		c := n.children[b]
		if c == nil {
			c = &trieNode{}
			n.children[b] = c
		}
		n = c
	}
	if n.pipes == nil {
		n.pipes = make(map[*peerPipe]int)
	}
	if n.pipes[p] == 0 {
		t.n++
	} else if !t.counted {
		return false
	}
	n.pipes[p]++
	n.total++
	return n.total == 1
}

// remove drops one subscription of p to prefix. found reports whether there
// was one; last whether prefix now has no subscription from any pipe.
func (t *subTrie) remove(prefix []byte, p *peerPipe) (found, last bool) {
	n := &t.root
	path := make([]*trieNode, 0, len(prefix)+1)
	path = append(path, n)
	for _, b := range prefix {
		n = n.children[b]
		if n == nil {
			return false, false
		}
		path = append(path, n)
	}
	if n.pipes[p] == 0 {
		return false, false
	}
	n.pipes[p]--
	n.total--
	if n.pipes[p] == 0 {
		delete(n.pipes, p)
		t.n--
	}
	t.prune(path, prefix)
	return true, n.total == 0
}

// prune deletes empty nodes at the end of path.
func (t *subTrie) prune(path []*trieNode, prefix []byte) {
	for i := len(path) - 1; i > 0; i-- {
		n := path[i]
		if n.total > 0 || len(n.children) > 0 {
			return
		}
		delete(path[i-1].children, prefix[i-1])
	}
}

// removePipe drops every subscription of p, calling gone for each prefix
// left with no subscription at all.
func (t *subTrie) removePipe(p *peerPipe, gone func(prefix []byte)) {
	var buf []byte
	var walk func(n *trieNode) bool // reports whether n is now empty
	walk = func(n *trieNode) bool {
		if c := n.pipes[p]; c > 0 {
			delete(n.pipes, p)
			n.total -= c
			t.n--
			if n.total == 0 && gone != nil {
				gone(append([]byte(nil), buf...))
			}
		}
		for b, child := range n.children {
			buf = append(buf, b)
			if walk(child) {
				delete(n.children, b)
			}
			buf = buf[:len(buf)-1]
		}
		return n.total == 0 && len(n.children) == 0
	}
	walk(&t.root)
}

// match calls fn for each pipe with a subscription that is a prefix of
// topic; a pipe may be reported more than once.
func (t *subTrie) match(topic []byte, fn func(p *peerPipe)) {
	n := &t.root
	for i := 0; ; i++ {
		for p := range n.pipes {
			fn(p)
		}
		if i == len(topic) || n.children == nil {
			return
		}
		if n = n.children[topic[i]]; n == nil {
			return
		}
	}
}

// matches reports whether any subscription is a prefix of topic.
func (t *subTrie) matches(topic []byte) bool {
	n := &t.root
	for i := 0; ; i++ {
		if n.total > 0 {
			return true
		}
		if i == len(topic) || n.children == nil {
			return false
		}
		if n = n.children[topic[i]]; n == nil {
			return false
		}
	}
}

// each calls fn with every subscribed prefix once.
func (t *subTrie) each(fn func(prefix []byte)) {
	var buf []byte
	var walk func(n *trieNode)
	walk = func(n *trieNode) {
		if n.total > 0 {
			fn(buf)
		}
		for b, child := range n.children {
			buf = append(buf, b)
			walk(child)
			buf = buf[:len(buf)-1]
		}
	}
	walk(&t.root)
}
