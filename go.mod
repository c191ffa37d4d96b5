module github.com/zmq-go/zmq

go 1.26.8
