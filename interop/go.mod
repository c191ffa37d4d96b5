module github.com/zmq-go/zmq/interop

go 1.26.8

replace github.com/zmq-go/zmq => ../

require (
	github.com/pebbe/zmq4 v1.4.0
	github.com/zmq-go/zmq v0.0.0-00010101000000-000000000000
)

require (
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
