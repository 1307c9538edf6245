// Package examples holds the sample events the demo produces and the README
// shows. Each file is one Kafka record value; the files that are not valid
// events are there on purpose, to show dead-lettering.
package examples

import "embed"

// Events are the sample records, named NN-what-they-show.
//
//go:embed *.json *.txt
var Events embed.FS
