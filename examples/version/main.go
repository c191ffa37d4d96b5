// Version prints the ZeroMQ version the package follows, as the zguide's
// version example does (chapter 1, version).
package main

import (
	"fmt"

	zmq "github.com/zmq-go/zmq"
)

func main() {
	major, minor, patch := zmq.Version()
	fmt.Printf("Current 0MQ version is %d.%d.%d\n", major, minor, patch)
}
