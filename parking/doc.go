// Package parking is the process stage's parking policy: which events of a
// paused department wait in memory, which are parked on the parked topic
// (consumer.Outcome.Park), and when parked ones are handed back to probe
// their department (consumer.Options.ParkHold). The parked topic's
// records and their count are package park's.
package parking
